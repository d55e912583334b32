namespace Jobs.Contracts;

/// <summary>An attempt an executor is running, as reported in its heartbeat.</summary>
public record RunningAttempt(Guid JobId, int Attempt);
