namespace Jobs.Bench.ControlPlane;

/// <summary>A gap between two timestamps of a job's path (ms), and which hop it holds.</summary>
internal sealed record Stage(string Name, string From, string To, string Holds);

/// <summary>One job's gaps, in the order of <see cref="Stages.All"/> (null where a timestamp is missing).</summary>
internal sealed record JobStages(Guid JobId, IReadOnlyList<double?> Ms);

/// <summary>A stage's spread over the measured run (loaded) and over the probe (one job at a time).</summary>
internal sealed record StageSummary(string Name, string From, string To, string Holds, Percentiles? Loaded, Percentiles? Unloaded);

/// <summary>
/// Where a job's time goes, from the timestamps the services already keep and the bench's own: the POST (sent and
/// answered, here), <c>jobapi.jobs</c> (<c>submitted_at</c> JobApi's clock before it sends SubmitJob; <c>assigned_at</c> and
/// <c>updated_at</c> the saga's while it handles JobPlaced and the finish, before it commits), <c>scheduler.placements</c>
/// (<c>requested_at</c> the saga's while it handles SubmitJob; <c>placed_at</c> and <c>finished_at</c> PostgreSQL's
/// <c>now()</c>, the start of the placement's and of the release's transaction) and the simulated executor (when the
/// ExecuteJob arrived; <c>started_at</c> and <c>finished_at</c> are stamped as it publishes). One machine, one clock.
/// </summary>
internal static class Stages
{
    public static readonly IReadOnlyList<Stage> All =
    [
        new("http", "POST sent", "jobs.submitted_at", "client -> gateway (JWT check, rate limit) -> JobApi (JWT, rate limit, body, policy)"),
        new("submit", "jobs.submitted_at", "placements.requested_at", "SubmitJob request through the broker to the saga; saga creates the row (not yet committed)"),
        new("place", "placements.requested_at", "placements.placed_at", "saga commit; PlaceJob out of its outbox to the Scheduler; placement request stored; placement transaction begins (under load: waiting for a free slot)"),
        new("placed", "placements.placed_at", "jobs.assigned_at", "placement commit; JobPlaced to the saga; saga handles it (row lock)"),
        new("execute", "jobs.assigned_at", "executor received", "saga commit; ExecuteJob out of the outbox to exchange:executor-{id}; the executor's queue"),
        new("report", "executor received", "jobs.finished_at", "JobStarted published and confirmed; JobAttemptFinished stamped"),
        new("finish", "jobs.finished_at", "jobs.updated_at", "JobAttemptFinished to the saga (after JobStarted, one at a time per job); saga handles it: Succeeded"),
        new("release", "jobs.finished_at", "placements.finished_at", "JobAttemptFinished to the Scheduler; the slot is free again"),
        new("answer", "POST sent", "201 received", "the whole submit as the client sees it (the saga answers from its outbox, after its commit)"),
        new("slot", "placements.placed_at", "placements.finished_at", "how long an attempt held its slot in the Scheduler's books"),
        new("total", "POST sent", "jobs.updated_at", "submit to the saga handling the finish"),
    ];

    public static List<JobStages> Of(
        IReadOnlyList<JobTimes> rows, IReadOnlyDictionary<Guid, Submission> submissions, Func<Guid, int, DateTimeOffset?> executorReceived)
    {
        var stages = new List<JobStages>(rows.Count);
        foreach (var row in rows.Where(r => r.Status == "Succeeded" && r.Attempt == 1))
        {
            var sent = submissions.TryGetValue(row.JobId, out var submission) ? submission.SentAt : (DateTimeOffset?)null;
            var received = executorReceived(row.JobId, 1);
            stages.Add(new JobStages(row.JobId,
            [
                Gap(sent, row.SubmittedAt),
                Gap(row.SubmittedAt, row.RequestedAt),
                Gap(row.RequestedAt, row.PlacedAt),
                Gap(row.PlacedAt, row.AssignedAt),
                Gap(row.AssignedAt, received),
                Gap(received, row.FinishedAt),
                Gap(row.FinishedAt, row.UpdatedAt),
                Gap(row.FinishedAt, row.ReleasedAt),
                submission?.LatencyMs is { } latency ? Math.Round(latency, 3) : null,
                Gap(row.PlacedAt, row.ReleasedAt),
                Gap(sent, row.UpdatedAt),
            ]));
        }
        return stages;
    }

    public static List<StageSummary> Summarise(IReadOnlyList<JobStages> loaded, IReadOnlyList<JobStages> unloaded) =>
    [
        .. All.Select((stage, i) => new StageSummary(
            stage.Name,
            stage.From,
            stage.To,
            stage.Holds,
            Percentiles.Of(loaded.Where(j => j.Ms[i] is not null).Select(j => j.Ms[i]!.Value)),
            Percentiles.Of(unloaded.Where(j => j.Ms[i] is not null).Select(j => j.Ms[i]!.Value)))),
    ];

    static double? Gap(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } f && to is { } t ? Math.Round((t - f).TotalMilliseconds, 3) : null;
}
