namespace Jobs.Contracts;

/// <summary>Executor → job saga: the process of this attempt is running.</summary>
public record JobStarted(Guid JobId, int Attempt, string ExecutorId, int ProcessId, DateTimeOffset StartedAt);
