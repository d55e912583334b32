namespace Jobs.JobApi.Persistence;

/// <summary>
/// Marks a delivery (on its receive context, which its retries share) whose saga transaction has been sent its commit
/// once: a later attempt that finds the change already made cannot tell whether what the change produced was sent.
/// </summary>
public sealed class SagaCommitAttempted;
