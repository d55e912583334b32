using System.Collections.Concurrent;
using Jobs.ServiceDefaults;
using Npgsql;

namespace Jobs.JobApi.Api;

/// <summary>
/// One connection per JobApi instance that LISTENs for LogSink's notifications and wakes the live streams of the job
/// named in each. A stream also looks again on its own every second, so a notification lost while this reconnects
/// only delays it.
/// </summary>
public sealed partial class LogListener(NpgsqlDataSource dataSource, ILogger<LogListener> logger) : BackgroundService
{
    readonly ConcurrentDictionary<Guid, ConcurrentDictionary<LogSubscription, byte>> subscribers = new();

    /// <summary>Wakes the returned subscription whenever output of <paramref name="jobId"/> is committed; dispose it when done.</summary>
    public LogSubscription Subscribe(Guid jobId)
    {
        var subscription = new LogSubscription(this, jobId);
        subscribers.GetOrAdd(jobId, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    internal void Unsubscribe(LogSubscription subscription)
    {
        if (subscribers.TryGetValue(subscription.JobId, out var set))
        {
            set.TryRemove(subscription, out _);
            if (set.IsEmpty)
                subscribers.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<LogSubscription, byte>>(subscription.JobId, set));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Wake(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {LogNotifications.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                LogListenFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    void Wake(string payload)
    {
        if (Guid.TryParse(payload, out var jobId) && subscribers.TryGetValue(jobId, out var set))
        {
            foreach (var subscription in set.Keys)
                subscription.Wake();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for log notifications failed; reconnecting")]
    partial void LogListenFailed(Exception exception);
}

/// <summary>A live stream's interest in one job's output.</summary>
public sealed class LogSubscription(LogListener listener, Guid jobId) : IDisposable
{
    readonly SemaphoreSlim signal = new(0, 1);

    public Guid JobId => jobId;

    internal void Wake()
    {
        // At most one wake-up is kept: the stream reads everything new whenever it wakes.
        try
        {
            signal.Release();
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
        }
    }

    /// <summary>True if output was committed since the last wait, within <paramref name="timeout"/>.</summary>
    public Task<bool> Wait(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        listener.Unsubscribe(this);
        signal.Dispose();
    }
}
