namespace Jobs.Contracts;

/// <summary>Job saga → itself, through the Scheduler's durable timers: the job was not started within its queue timeout.</summary>
public record QueueTimeoutExpired(Guid JobId);
