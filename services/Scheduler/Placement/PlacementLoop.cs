using System.Diagnostics;
using Jobs.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Jobs.Scheduler.Placement;

/// <summary>
/// Places waiting attempts whenever work or capacity arrives (and on a timer as a backstop), then tells each saga where
/// its attempt goes. Announcements are published after the placement commits; one the broker did not take (it was
/// down) is published again on every wake-up until it is taken, and after a restart the unfinished ones are announced
/// again. The saga ignores repeats.
/// </summary>
public sealed partial class PlacementLoop(
    PlacementStore store,
    PlacementSignal signal,
    IBus bus,
    IHostApplicationLifetime lifetime,
    IOptions<SchedulerOptions> options,
    ILogger<PlacementLoop> logger) : BackgroundService
{
    static readonly TimeSpan SurveyInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often placements another Scheduler made are looked at, in case it died before announcing them.</summary>
    static readonly TimeSpan PeerSweepInterval = TimeSpan.FromSeconds(10);

    /// <summary>Placements this process announced (or saw unfinished at the last sweep), pruned to the unfinished ones.</summary>
    HashSet<(Guid JobId, int Attempt)> announcedHere = [];
    HashSet<(Guid JobId, int Attempt)> peersSeen = [];

    /// <summary>Committed placements whose announcement failed, with their trace parents: the loop's own, so no lock.</summary>
    readonly Dictionary<(Guid JobId, int Attempt), (Jobs.Contracts.JobPlaced Placed, string? Parent)> unannounced = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WaitForStart(stoppingToken);
        var unfinished = await store.Unfinished(stoppingToken);
        if (unfinished.Count > 0)
            await Announce(unfinished, await store.TraceParents(unfinished, stoppingToken), stoppingToken);

        // The slots gauge and the "no executor could take it" notices need not follow every wake-up (one per job or
        // more under load): once a second is enough, and saves the database two statements per wake-up.
        var sinceSurvey = Stopwatch.StartNew();
        var sincePeerSweep = Stopwatch.StartNew();
        var surveyed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (unannounced.Count > 0)
                {
                    var again = unannounced.Values.ToList();
                    await Announce([.. again.Select(u => u.Placed)], again.Where(u => u.Parent is not null).ToDictionary(u => (u.Placed.JobId, u.Placed.Attempt), u => u.Parent!), stoppingToken);
                }

                PlacementRound round;
                do
                {
                    round = await store.PlaceRound(stoppingToken);
                    await Announce(round.Placed, round.TraceParents, stoppingToken);
                }
                while (round.More);

                if (!surveyed || sinceSurvey.Elapsed >= SurveyInterval)
                {
                    var (slots, used) = await store.Capacity(stoppingToken);
                    SchedulerTelemetry.RecordCapacity(slots, used);

                    var delayed = await store.Unmatched(stoppingToken);
                    if (delayed.Count > 0)
                        await BoundedPublish.Within(token => bus.PublishBatch(delayed, token), stoppingToken);
                    surveyed = true;
                    sinceSurvey.Restart();
                }

                if (sincePeerSweep.Elapsed >= PeerSweepInterval)
                {
                    await AnnounceOrphans(stoppingToken);
                    sincePeerSweep.Restart();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPlacementFailed(ex);
            }

            await signal.WaitAsync(await UntilNextWakeUp(stoppingToken), stoppingToken);
        }
    }

    /// <summary>The placement interval, or less if a held-back retry becomes due sooner.</summary>
    async Task<TimeSpan> UntilNextWakeUp(CancellationToken cancellationToken)
    {
        var interval = options.Value.PlacementInterval;
        try
        {
            var due = await store.NextDue(cancellationToken) - DateTimeOffset.UtcNow;
            return due is { } wait && wait < interval ? TimeSpan.FromMilliseconds(Math.Max(5, wait.TotalMilliseconds + 5)) : interval;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPlacementFailed(ex);
            return interval;
        }
    }

    /// <summary>
    /// With several Schedulers, one killed between committing a placement and announcing it leaves that placement to
    /// nobody: the others place only what waits. A placement another process made that is still unfinished at two
    /// sweeps in a row is announced here too; the saga takes the first announcement and ignores the rest, so a live
    /// peer's placements cost one repeat each, only when they run longer than a sweep.
    /// </summary>
    async Task AnnounceOrphans(CancellationToken cancellationToken)
    {
        var unfinished = await store.Unfinished(cancellationToken);
        var keys = unfinished.Select(p => (p.JobId, p.Attempt)).ToHashSet();
        announcedHere.IntersectWith(keys);
        var orphans = unfinished.Where(p => !announcedHere.Contains((p.JobId, p.Attempt)) && peersSeen.Contains((p.JobId, p.Attempt))).ToList();
        peersSeen = [.. keys.Where(k => !announcedHere.Contains(k))];
        if (orphans.Count > 0)
            await Announce(orphans, await store.TraceParents(orphans, cancellationToken), cancellationToken);
    }

    async Task Announce(IReadOnlyList<Jobs.Contracts.JobPlaced> placed, IReadOnlyDictionary<(Guid JobId, int Attempt), string> parents, CancellationToken cancellationToken)
    {
        if (placed.Count == 0)
            return;
        var failed = await Task.WhenAll(placed.Select(async Task<Unannounced?> (p) =>
        {
            // Each announcement continues the trace its job's placement request came in.
            var traceParent = parents.GetValueOrDefault((p.JobId, p.Attempt));
            ActivityContext.TryParse(traceParent, null, out var parent);
            using var activity = SchedulerTelemetry.Source.StartActivity("place job", ActivityKind.Internal, parent);
            activity?.SetTag("job.id", p.JobId.ToString());
            activity?.SetTag("job.attempt", p.Attempt);
            activity?.SetTag("executor.id", p.ExecutorId);
            try
            {
                await BoundedPublish.Within(token => bus.Publish(p, token), cancellationToken);
                return null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Committed but not announced: nobody else would tell the saga, which would wait for it for good.
                return new Unannounced(p, traceParent, ex);
            }
        }));

        foreach (var p in placed)
        {
            unannounced.Remove((p.JobId, p.Attempt));
            announcedHere.Add((p.JobId, p.Attempt));
        }
        var failures = failed.OfType<Unannounced>().ToList();
        foreach (var failure in failures)
            unannounced[(failure.Placed.JobId, failure.Placed.Attempt)] = (failure.Placed, failure.Parent);
        if (failures.Count > 0)
            LogAnnounceFailed(failures[0].Error, failures.Count);
        SchedulerTelemetry.RecordPlaced(placed.Count - failures.Count);
    }

    Task WaitForStart(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        lifetime.ApplicationStarted.Register(started.SetResult);
        return started.Task.WaitAsync(stoppingToken);
    }

    sealed record Unannounced(Jobs.Contracts.JobPlaced Placed, string? Parent, Exception Error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} placements could not be announced; they are announced again on the next wake-up")]
    partial void LogAnnounceFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Placement failed; it runs again on the next wake-up")]
    partial void LogPlacementFailed(Exception exception);
}
