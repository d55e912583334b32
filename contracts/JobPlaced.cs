namespace Jobs.Contracts;

/// <summary>Scheduler → job saga: the attempt has a slot on this executor.</summary>
public record JobPlaced(Guid JobId, int Attempt, string ExecutorId);
