namespace Jobs.Contracts;

/// <summary>JobApi → job saga (request): create the job; answered with <see cref="JobAccepted"/> once the saga row is committed.</summary>
public record SubmitJob(Guid JobId, JobSpec Spec, DateTimeOffset SubmittedAt)
{
    /// <summary>The tenant the job belongs to; nobody outside it sees the job.</summary>
    public string Tenant { get; init; } = "default";

    /// <summary>Who submitted it: a token's subject, or <c>apikey:&lt;id&gt;</c>.</summary>
    public string Owner { get; init; } = "";

    /// <summary>The ended job this one re-runs, when it was made by <c>POST /api/jobs/{id}/retry</c>.</summary>
    public Guid? RetryOf { get; init; }
}
