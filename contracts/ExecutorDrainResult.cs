namespace Jobs.Contracts;

/// <summary>Scheduler → JobApi (response to <see cref="SetExecutorDrain"/>): whether the executor is known, and its drain state now.</summary>
public record ExecutorDrainResult(string ExecutorId, bool Found, bool Draining);
