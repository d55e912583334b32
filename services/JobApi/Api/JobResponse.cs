using Jobs.JobApi.StateMachines;

namespace Jobs.JobApi.Api;

/// <summary>A job as the API shows it.</summary>
public sealed record JobResponse(
    Guid Id,
    string Status,
    string Command,
    IReadOnlyList<string> Args,
    bool Shell,
    string Pool,
    DateTimeOffset SubmittedAt,
    DateTimeOffset UpdatedAt,
    int Attempt,
    string? ExecutorId,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    string? Error,
    int? LogChunks)
{
    public static JobResponse From(JobState job) => new(
        job.CorrelationId,
        job.CurrentState,
        job.Spec.Command,
        job.Spec.Args,
        job.Spec.Shell,
        job.Spec.Pool,
        job.SubmittedAt,
        job.UpdatedAt,
        job.Attempt,
        job.ExecutorId,
        job.AssignedAt,
        job.StartedAt,
        job.FinishedAt,
        job.ExitCode,
        job.Error,
        job.LogChunks);
}

/// <summary>The answer to a submit: where the job is and what it is now.</summary>
public sealed record JobCreatedResponse(Guid Id, string Status);

/// <summary>One page of the job list, newest first; pass <see cref="NextCursor"/> back to read on.</summary>
public sealed record JobListResponse(IReadOnlyList<JobResponse> Items, string? NextCursor);
