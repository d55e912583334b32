namespace Jobs.Contracts;

/// <summary>JobApi → Scheduler (request): the executor registry; answered with <see cref="ExecutorList"/>.</summary>
public record ListExecutors;
