namespace Jobs.Contracts;

/// <summary>JobApi → job saga (request): cancel the job; answered with <see cref="CancelJobResult"/>.</summary>
public record CancelJob(Guid JobId, DateTimeOffset RequestedAt);
