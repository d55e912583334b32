namespace Jobs.Contracts;

/// <summary>Job saga → one executor's own queue: run this attempt.</summary>
public record ExecuteJob(Guid JobId, int Attempt, JobSpec Spec);
