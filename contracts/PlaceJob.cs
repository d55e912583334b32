namespace Jobs.Contracts;

/// <summary>Job saga → Scheduler: find an executor with a free slot for this attempt.</summary>
public record PlaceJob(Guid JobId, int Attempt, string Pool, DateTimeOffset RequestedAt)
{
    /// <summary>Not before this time (a retry's backoff); the Scheduler holds the request until then.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Only this executor may take it.</summary>
    public string? ExecutorId { get; init; }

    /// <summary>Only an executor carrying these labels may take it.</summary>
    public IReadOnlyDictionary<string, string> ExecutorLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Higher is placed first.</summary>
    public int Priority { get; init; }
}
