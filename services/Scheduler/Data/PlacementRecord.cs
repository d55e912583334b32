namespace Jobs.Scheduler.Data;

/// <summary>One attempt waiting for, or holding, a slot on an executor. The slot is free again once it has finished (or its job ended).</summary>
public sealed class PlacementRecord
{
    public Guid JobId { get; set; }
    public int Attempt { get; set; }
    public required string Pool { get; set; }
    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>Not placed before this time (a retry's backoff).</summary>
    public DateTimeOffset? NotBefore { get; set; }

    /// <summary>Only this executor may take it.</summary>
    public string? TargetExecutorId { get; set; }

    /// <summary>Labels (JSON object) an executor must carry to take it.</summary>
    public string ExecutorLabels { get; set; } = "{}";

    /// <summary>Higher is placed first.</summary>
    public int Priority { get; set; }

    /// <summary>The W3C trace parent of the request, so the announcement of its placement joins the job's trace.</summary>
    public string? TraceParent { get; set; }

    /// <summary>Whether the saga was told that no registered executor can take it.</summary>
    public bool DelayReported { get; set; }
    public string? ExecutorId { get; set; }
    public DateTimeOffset? PlacedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Set when the attempt was given up because its executor went silent.</summary>
    public DateTimeOffset? LostAt { get; set; }

    /// <summary>Whether the saga has been told about the loss (published after the loss is committed).</summary>
    public bool LossAnnounced { get; set; }
}
