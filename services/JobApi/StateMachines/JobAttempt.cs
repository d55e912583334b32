namespace Jobs.JobApi.StateMachines;

/// <summary>One try of a job: where it ran, when, and how it ended (<see cref="AttemptOutcomes"/>).</summary>
public class JobAttempt
{
    public Guid JobId { get; set; }
    public int Number { get; set; }
    public string? ExecutorId { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int? ExitCode { get; set; }
    public int? Signal { get; set; }
    public string? Outcome { get; set; }
    public string? Error { get; set; }
    public int? LogChunks { get; set; }
    public long? OutputBytes { get; set; }
    public bool OutputTruncated { get; set; }
    public List<string> EnforcedLimits { get; set; } = [];
    public List<string> UnenforcedLimits { get; set; } = [];
    public long? CpuMicroseconds { get; set; }
    public long? PeakMemoryBytes { get; set; }
}
