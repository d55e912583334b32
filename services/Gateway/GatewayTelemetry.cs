using System.Diagnostics.Metrics;

namespace Jobs.Gateway;

/// <summary>The gateway's own metrics (YARP's and ASP.NET Core's come with the service defaults).</summary>
public static class GatewayTelemetry
{
    public const string Name = "Jobs.Gateway";

    static readonly Meter Meter = new(Name);

    static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        "gateway.failovers", "{request}", "Requests that could not connect to a JobApi replica and were sent to another, by the replica that failed");

    public static void RecordFailover(string destination) => Failovers.Add(1, new KeyValuePair<string, object?>("destination", destination));
}
