namespace Jobs.Contracts;

/// <summary>
/// JobApi → Scheduler (request): stop placing work on the executor (<see cref="Drain"/> true) or place on it again
/// (false); answered with <see cref="ExecutorDrainResult"/>. Attempts it runs go on to their end.
/// </summary>
public record SetExecutorDrain(string ExecutorId, bool Drain);
