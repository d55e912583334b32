namespace Jobs.Contracts;

/// <summary>JobApi → job saga (request): create the job; answered with <see cref="JobAccepted"/> once the saga row is committed.</summary>
public record SubmitJob(Guid JobId, JobSpec Spec, DateTimeOffset SubmittedAt);
