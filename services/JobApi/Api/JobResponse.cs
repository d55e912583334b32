using Jobs.Contracts;
using Jobs.JobApi.StateMachines;

namespace Jobs.JobApi.Api;

/// <summary>A job as the API shows it: its spec, where it stands, and every attempt so far.</summary>
public sealed record JobResponse(
    Guid Id,
    string Status,
    string? StatusDetail,
    string Owner,
    Guid? RetryOf,
    string Command,
    IReadOnlyList<string> Args,
    bool Shell,
    string Pool,
    string? ExecutorTarget,
    IReadOnlyDictionary<string, string> ExecutorLabels,
    int Priority,
    int? TimeoutSeconds,
    int? QueueTimeoutSeconds,
    int CancelGraceSeconds,
    IReadOnlyDictionary<string, string> Env,
    ResourceLimits Resources,
    string? WorkingDirectory,
    long? OutputCapBytes,
    RetryPolicy Retry,
    DateTimeOffset SubmittedAt,
    DateTimeOffset UpdatedAt,
    int Attempt,
    string? ExecutorId,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    string? Error,
    int? LogChunks,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? CancelRequestedAt,
    IReadOnlyList<AttemptResponse> Attempts)
{
    public static JobResponse From(JobState job) => new(
        job.CorrelationId,
        job.CurrentState,
        job.StatusDetail,
        job.Owner,
        job.RetryOf,
        job.Spec.Command,
        job.Spec.Args,
        job.Spec.Shell,
        job.Spec.Pool,
        job.Spec.ExecutorId,
        job.Spec.ExecutorLabels,
        job.Spec.Priority,
        job.Spec.TimeoutSeconds,
        job.Spec.QueueTimeoutSeconds,
        job.Spec.CancelGraceSeconds,
        job.Spec.Env,
        job.Spec.Resources,
        job.Spec.WorkingDirectory,
        job.Spec.OutputCapBytes,
        job.Spec.Retry,
        job.SubmittedAt,
        job.UpdatedAt,
        job.Attempt,
        job.ExecutorId,
        job.AssignedAt,
        job.StartedAt,
        job.FinishedAt,
        job.ExitCode,
        job.Error,
        job.LogChunks,
        job.NextAttemptAt,
        job.CancelRequestedAt,
        [.. job.Attempts.OrderBy(a => a.Number).Select(AttemptResponse.From)]);
}

/// <summary>One attempt: where and when it ran and how it ended.</summary>
public sealed record AttemptResponse(
    int Number,
    string? ExecutorId,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    int? Signal,
    string? Outcome,
    string? Error,
    int? LogChunks,
    long? OutputBytes,
    bool OutputTruncated,
    IReadOnlyList<string> EnforcedLimits,
    IReadOnlyList<string> UnenforcedLimits,
    long? CpuMicroseconds,
    long? PeakMemoryBytes)
{
    public static AttemptResponse From(JobAttempt attempt) => new(
        attempt.Number, attempt.ExecutorId, attempt.AssignedAt, attempt.StartedAt, attempt.FinishedAt,
        attempt.ExitCode, attempt.Signal, attempt.Outcome, attempt.Error, attempt.LogChunks, attempt.OutputBytes, attempt.OutputTruncated,
        attempt.EnforcedLimits, attempt.UnenforcedLimits, attempt.CpuMicroseconds, attempt.PeakMemoryBytes);
}

/// <summary>The answer to a submit or a cancel: which job and where it stands now.</summary>
public sealed record JobCreatedResponse(Guid Id, string Status);

/// <summary>One page of the job list, newest first; pass <see cref="NextCursor"/> back to read on.</summary>
public sealed record JobListResponse(IReadOnlyList<JobResponse> Items, string? NextCursor);
