using System.Runtime.InteropServices;
using Jobs.Contracts;
using Jobs.Executor.Execution;
using Jobs.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Jobs.Executor.Registration;

/// <summary>Registers this executor as soon as the bus is up, then heartbeats with the attempts it runs and whether it is draining.</summary>
public sealed partial class HeartbeatService(
    IControlBus bus,
    AttemptRegistry registry,
    Cgroups cgroups,
    DrainState drain,
    IOptions<ExecutorOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    readonly HostFacts host = new(
        Environment.MachineName,
        RuntimeInformation.OSDescription,
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)
    {
        CgroupVersion = cgroups.Version,
        EnforceableLimits = cgroups.Enforceable,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
            await started.Task.WaitAsync(stoppingToken);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var executor = options.Value;
                // A beat stuck on a dropped connection must not hold up the next one.
                await BoundedPublish.Within(token => bus.Publish(
                    new ExecutorHeartbeat(executor.Id, executor.Pool, executor.Labels, executor.Slots, registry.Running, host, DateTimeOffset.UtcNow)
                    {
                        Draining = drain.ShuttingDown,
                    },
                    token), executor.HeartbeatInterval, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogHeartbeatFailed(ex);
            }
            // A drain is announced at once, not at the next beat.
            await drain.WaitForChange(options.Value.HeartbeatInterval, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat not sent; the next one is tried on schedule")]
    partial void LogHeartbeatFailed(Exception exception);
}
