namespace Jobs.Contracts;

/// <summary>
/// Job saga → JobApi (response to <see cref="CancelJob"/>): <see cref="Accepted"/> is false when the job had already
/// ended; <see cref="Status"/> is where it stands now (<c>Canceling</c> while its process is being stopped).
/// </summary>
public record CancelJobResult(Guid JobId, string Status, bool Accepted);
