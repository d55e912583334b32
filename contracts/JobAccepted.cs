namespace Jobs.Contracts;

/// <summary>Job saga → JobApi (response to <see cref="SubmitJob"/>): the job is stored.</summary>
public record JobAccepted(Guid JobId, string Status);
