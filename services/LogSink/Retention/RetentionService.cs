using Microsoft.Extensions.Options;
using Npgsql;

namespace Jobs.LogSink.Retention;

/// <summary>Runs a retention sweep at start and then every sweep interval. Several LogSink instances may sweep at once: deletes of the same rows are harmless.</summary>
public sealed partial class RetentionService(LogRetention retention, IOptions<RetentionOptions> options, ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        do
        {
            try
            {
                var deleted = await retention.Sweep(stoppingToken);
                if (deleted > 0)
                    LogSwept(deleted, options.Value.Retention);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogSweepFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Chunks} log chunks of jobs that ended more than {Retention} ago")]
    partial void LogSwept(long chunks, TimeSpan? retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log retention sweep failed; it is tried again at the next interval")]
    partial void LogSweepFailed(Exception exception);
}
