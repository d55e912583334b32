namespace Jobs.Contracts;

/// <summary>Scheduler → JobApi (response to <see cref="ListExecutors"/>): every executor that has registered.</summary>
public record ExecutorList(IReadOnlyList<ExecutorSummary> Executors);
