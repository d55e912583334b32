namespace Jobs.Contracts;

/// <summary>
/// Scheduler → job saga: the executor of this attempt went silent for longer than the Scheduler allows, so the attempt
/// is given up (and retried elsewhere if the job's retry policy says so).
/// </summary>
public record AttemptLost(Guid JobId, int Attempt, string ExecutorId, DateTimeOffset DetectedAt);
