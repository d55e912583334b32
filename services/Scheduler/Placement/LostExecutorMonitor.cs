using System.Diagnostics;
using Jobs.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Jobs.Scheduler.Placement;

/// <summary>
/// Declares executors that stopped heartbeating lost and tells the sagas of their attempts, which retry them elsewhere
/// or end them. A loss is committed first and announced after; one not yet announced (a crash in between) is announced
/// on the next round.
/// Silence counts only while the scheduler could have heard the heartbeats: not while its own bus is cut off from the
/// broker or its database (where heartbeats are recorded) fails, nor for a timeout after both are back (executors
/// need that long to reconnect and beat again). Otherwise an outage longer than the timeout would end every running
/// attempt as lost.
/// </summary>
public sealed partial class LostExecutorMonitor(
    PlacementStore store,
    PlacementSignal signal,
    IBusControl bus,
    IHostApplicationLifetime lifetime,
    IOptions<SchedulerOptions> options,
    ILogger<LostExecutorMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
            await started.Task.WaitAsync(stoppingToken);

        // Checking a few times per timeout keeps detection within about a third of the timeout of the deadline.
        using var timer = new PeriodicTimer(options.Value.ExecutorTimeout / 3);
        long? hearingSince = null;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (bus.CheckHealth().Status != BusHealthStatus.Healthy || !await DatabaseAnswers(stoppingToken))
            {
                hearingSince = null;
                continue;
            }
            hearingSince ??= Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(hearingSince.Value) < options.Value.ExecutorTimeout)
                continue;

            try
            {
                var losses = await store.DeclareLost(stoppingToken);
                if (losses.Count == 0)
                    continue;
                foreach (var executor in losses.Select(l => l.ExecutorId).Distinct())
                    LogLost(executor, losses.Count(l => l.ExecutorId == executor));
                await BoundedPublish.Within(token => bus.PublishBatch(losses, token), stoppingToken);
                await store.LossesAnnounced(losses, stoppingToken);
                SchedulerTelemetry.RecordLost(losses.Select(l => l.ExecutorId).Distinct().Count(), losses.Count);
                signal.Wake();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                hearingSince = null;
                LogCheckFailed(ex);
            }
        }
    }

    /// <summary>
    /// Probed on every tick, not only when an executor is due to be declared lost: a database down for most of a
    /// timeout and back just before the check would otherwise count its whole outage as silence (CI: an executor
    /// declared lost a second after PostgreSQL came back, its heartbeats still waiting to be recorded).
    /// </summary>
    async Task<bool> DatabaseAnswers(CancellationToken stoppingToken)
    {
        try
        {
            await store.Ping(stoppingToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executor {ExecutorId} is lost; giving up {Attempts} attempt(s)")]
    partial void LogLost(string executorId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lost-executor check failed; it runs again on the next tick")]
    partial void LogCheckFailed(Exception exception);
}
