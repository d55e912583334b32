using MassTransit;

namespace Jobs.Executor;

/// <summary>
/// The executor's second bus, on a connection of its own: heartbeats, everything an attempt reports, and the control
/// queue. MassTransit re-establishes a dropped connection only once the consumes on it have ended, and an attempt is a
/// consume that lasts as long as its process; on this bus no consume lasts, so after a broker outage heartbeats,
/// output and stops flow again at once while attempts keep running.
/// </summary>
public interface IControlBus : IBus;
