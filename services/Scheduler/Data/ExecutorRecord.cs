namespace Jobs.Scheduler.Data;

/// <summary>An executor as its last heartbeat described it.</summary>
public sealed class ExecutorRecord
{
    public required string Id { get; set; }
    public required string Pool { get; set; }
    public required string Labels { get; set; }
    public int Slots { get; set; }
    public required string Host { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset LastHeartbeatAt { get; set; }

    /// <summary>Its last heartbeat said it is shutting down.</summary>
    public bool ShuttingDown { get; set; }

    /// <summary>Set while an admin has it drained; cleared by a resume. Survives the executor's restarts.</summary>
    public DateTimeOffset? DrainedAt { get; set; }

    /// <summary>Set when the executor was declared lost; cleared by its next heartbeat.</summary>
    public DateTimeOffset? LostAt { get; set; }
}
