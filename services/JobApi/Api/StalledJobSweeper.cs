using Jobs.Contracts;
using Jobs.JobApi.Data;
using Jobs.JobApi.StateMachines;
using Jobs.ServiceDefaults;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using JobStateMachine = Jobs.JobApi.StateMachines.JobStateMachine;

namespace Jobs.JobApi.Api;

/// <summary>How <see cref="StalledJobSweeper"/> finds and nudges jobs that wait on a message that may be lost.</summary>
public sealed class StalledJobOptions
{
    public const string Section = "StalledJobs";

    /// <summary>A job unchanged this long in a state that waits on a message (Pending, Retrying, Assigned, Canceling, Running) is nudged.</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the jobs are looked at.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A job still stalled is nudged again after StallAfter, then twice that, and so on up to this.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many jobs per look, the longest unchanged first.</summary>
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// The backstop for a message lost after the saga committed: the broker killed between a delivery and its
/// acknowledgement can come back without that delivery (seen in scenario 5: a SubmitJob whose PlaceJob failed with the
/// broker was never redelivered), and nothing would then ever tell the job's next step. Every <see cref="StalledJobOptions.Interval"/>
/// it sends again what each job that has not changed for <see cref="StalledJobOptions.StallAfter"/> waits on (as a
/// redelivery does, <see cref="JobStateMachine.Resend(IPublishEndpoint, ISendEndpointProvider, JobState)"/>): PlaceJob
/// for a waiting job (the Scheduler answers a repeat for a placed attempt with its placement), ExecuteJob for an
/// assigned one (the executor runs an attempt once), StopJob for one being canceled, and for a running one
/// <see cref="ReportAttempt"/>: its executor publishes the attempt's finish again if it ended there (the finish may have
/// been lost), and ignores it while the attempt runs. A job that waits for good reason (no free executor, a long run)
/// is nudged less and less often (<see cref="NextNudge"/>); the last nudge of each is remembered in memory only, so a
/// restart costs at most one extra nudge each. With several JobApi replicas one sweeps at a time (a PostgreSQL advisory
/// lock). A silent executor is not its business but the Scheduler's (lost executors).
/// </summary>
public sealed partial class StalledJobSweeper(
    IDbContextFactory<JobApiDbContext> dbFactory,
    IBus bus,
    IOptions<StalledJobOptions> options,
    TimeProvider time,
    ILogger<StalledJobSweeper> logger) : BackgroundService
{
    /// <summary>The advisory lock key that lets one replica sweep at a time ("jobs-stalled-sweep").</summary>
    const long LockKey = 0x6A6F62735F737765;

    static readonly string[] SweptStates = ["Pending", "Retrying", "Assigned", "Canceling", "Running"];

    /// <summary>When each stalled (job, attempt, state) was last nudged and how often; this process's own.</summary>
    readonly Dictionary<(Guid Job, int Attempt, string State), (DateTimeOffset At, int Count)> nudged = [];

    /// <summary>
    /// Where the next look starts: each look takes the next <see cref="StalledJobOptions.BatchSize"/> jobs by time
    /// unchanged, and starts over after the last, so jobs that wait for good reason cannot hide a stalled one behind them.
    /// </summary>
    DateTimeOffset? after;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await Sweep(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(ex);
            }
        }
    }

    /// <summary>
    /// One look: the stalled jobs, each nudged unless its backoff says not yet. Returns how many were nudged. Only the
    /// keys of the stalled jobs are read; whole rows (the spec a resend needs) only for the waiting jobs that are due.
    /// </summary>
    public async Task<int> Sweep(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        List<StalledJob> stalled;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var mine = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({LockKey}) AS \"Value\"").SingleAsync(cancellationToken);
            if (!mine)
                return 0;
            var cutoff = now - settings.StallAfter;
            var query = db.Jobs.AsNoTracking().Where(j => SweptStates.Contains(j.CurrentState) && j.UpdatedAt < cutoff);
            if (after is { } start)
                query = query.Where(j => j.UpdatedAt > start);
            stalled = await query.OrderBy(j => j.UpdatedAt).Take(settings.BatchSize)
                .Select(j => new StalledJob(j.CorrelationId, j.Attempt, j.CurrentState, j.UpdatedAt, j.ExecutorId))
                .ToListAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        after = stalled.Count < settings.BatchSize ? null : stalled[^1].UpdatedAt;

        // An entry this old belongs to a job that moved on (or would be due anyway): forgetting it costs nothing.
        foreach (var key in nudged.Where(n => now - n.Value.At > settings.MaxBackoff + settings.StallAfter).Select(n => n.Key).ToList())
            nudged.Remove(key);

        var due = stalled.Where(job => !nudged.TryGetValue(job.Key, out var last) || now >= last.At + NextNudge(last.Count, settings)).ToList();
        var running = due.Where(job => job.State == "Running" && job.ExecutorId is not null).ToList();
        var waiting = await WholeRows(due.Where(job => job.State != "Running").ToList(), cancellationToken);

        // A publish that fails (the broker away) ends this look; the job is nudged on the next one.
        foreach (var job in running)
        {
            await BoundedPublish.Within(_ => AskForFinish(job), cancellationToken);
            Nudged(job.Key, now);
        }
        foreach (var job in waiting)
        {
            await BoundedPublish.Within(_ => JobStateMachine.Resend(bus, bus, job), cancellationToken);
            Nudged((job.CorrelationId, job.Attempt, job.CurrentState), now);
        }

        // Asking after long runs is routine, so it is counted apart and logged quietly; waiting jobs are the warning.
        if (running.Count > 0)
        {
            JobApiTelemetry.RecordStalledNudges(running.Count, "Running");
            LogAskedForFinish(running.Count);
        }
        if (waiting.Count > 0)
        {
            JobApiTelemetry.RecordStalledNudges(waiting.Count, "Waiting");
            LogNudged(waiting.Count, now - waiting.Min(j => j.UpdatedAt));
        }
        return running.Count + waiting.Count;
    }

    /// <summary>The rows of <paramref name="jobs"/> still in the state and attempt they were found in (one that moved on needs no nudge).</summary>
    async Task<List<JobState>> WholeRows(List<StalledJob> jobs, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
            return [];
        var ids = jobs.Select(j => j.Id).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.CorrelationId)).ToListAsync(cancellationToken);
        var found = jobs.Select(j => j.Key).ToHashSet();
        return [.. rows.Where(j => found.Contains((j.CorrelationId, j.Attempt, j.CurrentState))).OrderBy(j => j.UpdatedAt)];
    }

    void Nudged((Guid Job, int Attempt, string State) key, DateTimeOffset now) =>
        nudged[key] = (now, (nudged.TryGetValue(key, out var last) ? last.Count : 0) + 1);

    async Task AskForFinish(StalledJob job)
    {
        var control = await bus.GetSendEndpoint(ExecutorEndpoint.ControlAddress(job.ExecutorId!));
        await control.Send(new ReportAttempt(job.Id, job.Attempt));
    }

    /// <summary>What the sweep reads of a stalled job.</summary>
    sealed record StalledJob(Guid Id, int Attempt, string State, DateTimeOffset UpdatedAt, string? ExecutorId)
    {
        public (Guid Job, int Attempt, string State) Key => (Id, Attempt, State);
    }

    /// <summary>How long after its <paramref name="count"/>-th nudge a job still stalled is nudged again: StallAfter, doubling, at most MaxBackoff.</summary>
    public static TimeSpan NextNudge(int count, StalledJobOptions settings)
    {
        var doublings = Math.Clamp(count - 1, 0, 30);
        var ticks = Math.Min(settings.StallAfter.Ticks * (1L << Math.Min(doublings, 20)), settings.MaxBackoff.Ticks);
        return TimeSpan.FromTicks(Math.Max(ticks, settings.StallAfter.Ticks));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sent again what {Count} stalled jobs wait on (the longest unchanged for {Longest})")]
    partial void LogNudged(int count, TimeSpan longest);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Asked executors whether {Count} long-running attempts have ended (their finish may be lost)")]
    partial void LogAskedForFinish(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for stalled jobs failed; it runs again on the next interval")]
    partial void LogSweepFailed(Exception exception);
}
