using Jobs.Contracts;
using Jobs.Executor.Execution;
using Microsoft.Extensions.Options;

namespace Jobs.Executor.Registration;

/// <summary>
/// On SIGTERM: tells the Scheduler (through the heartbeat) to place nothing more here, lets running attempts finish for
/// up to the drain timeout, then stops the rest, which end <see cref="AttemptEnd.Drained"/> and are retried elsewhere.
/// Registered after the bus and the heartbeat, so it stops first, while both still work.
/// </summary>
public sealed partial class DrainOnShutdown(
    DrainState drain,
    AttemptRegistry registry,
    IOptions<ExecutorOptions> options,
    ILogger<DrainOnShutdown> logger) : IHostedService
{
    /// <summary>How long the executor must be idle before it is done: attempts placed just before the Scheduler heard of the drain still arrive.</summary>
    static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>Grace between SIGTERM and SIGKILL for attempts stopped when the drain timeout runs out.</summary>
    static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        drain.BeginShutdown();
        LogDraining(registry.Running.Count, options.Value.DrainTimeout);

        if (!await WaitIdle(DateTime.UtcNow + options.Value.DrainTimeout, cancellationToken))
        {
            LogStopping(registry.Running.Count);
            registry.StopAll(StopGrace, AttemptEnd.Drained);
            await WaitIdle(DateTime.UtcNow + StopGrace + TimeSpan.FromSeconds(5), cancellationToken);
        }
        // Whatever is left (a result the broker would not take) is given up now; the Scheduler will see this executor lost.
        drain.Abandon();
        LogDrained();
    }

    async Task<bool> WaitIdle(DateTime deadline, CancellationToken cancellationToken)
    {
        var idleSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            if (registry.Running.Count > 0)
                idleSince = DateTime.UtcNow;
            else if (DateTime.UtcNow - idleSince >= Settle)
                return true;
            await Task.Delay(100, cancellationToken);
        }
        return registry.Running.Count == 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: no new work; waiting up to {Timeout} for {Running} running attempts")]
    partial void LogDraining(int running, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timeout: stopping {Running} attempts, which will be retried elsewhere")]
    partial void LogStopping(int running);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained")]
    partial void LogDrained();
}
