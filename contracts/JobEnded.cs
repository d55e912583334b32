namespace Jobs.Contracts;

/// <summary>
/// Job saga → subscribers (the Scheduler frees anything still placed or waiting for the job): the job reached a terminal
/// status and will not change again.
/// </summary>
public record JobEnded(Guid JobId, string Status, int Attempts, DateTimeOffset EndedAt);
