namespace Jobs.Contracts;

/// <summary>Job saga → Scheduler: find an executor with a free slot for this attempt.</summary>
public record PlaceJob(Guid JobId, int Attempt, string Pool, DateTimeOffset RequestedAt);
