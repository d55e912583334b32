using System.Runtime.InteropServices;
using Jobs.Contracts;
using Jobs.Executor.Execution;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Jobs.Executor.Registration;

/// <summary>Registers this executor as soon as the bus is up, then heartbeats with the attempts it runs.</summary>
public sealed partial class HeartbeatService(
    IBus bus,
    AttemptRegistry registry,
    Cgroups cgroups,
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

        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        do
        {
            try
            {
                var executor = options.Value;
                await bus.Publish(
                    new ExecutorHeartbeat(executor.Id, executor.Pool, executor.Labels, executor.Slots, registry.Running, host, DateTimeOffset.UtcNow),
                    stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHeartbeatFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat not sent; the next one is tried on schedule")]
    partial void LogHeartbeatFailed(Exception exception);
}
