using System.Diagnostics;
using Jobs.Contracts;
using Jobs.Testing;
using MassTransit;

namespace Jobs.Bench.Logs;

/// <summary>How one run of variant A went: its length, when the last publish was confirmed, and how far the rows lagged behind.</summary>
internal sealed record SinkTiming(double Seconds, double PublishSeconds, int CommittedWhenPublished, int MaxBacklog, int Polls);

/// <summary>
/// Variant A, the real path: the chunks are published as an executor publishes them (MassTransit on RabbitMQ,
/// publisher confirms, a fixed number of publishes awaiting their confirm at once) to the LogSink running as its own
/// process, and the run lasts until every row is committed, seen by polling <c>count(*)</c> every 50 ms.
/// </summary>
internal sealed class SinkIngest : IAsyncDisposable
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>No new row for this long means the path is stuck (a lost binding, a failing sink), not slow.</summary>
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    readonly IBusControl bus;
    readonly LogStore store;
    readonly int inFlight;

    SinkIngest(IBusControl bus, LogStore store, int inFlight)
    {
        this.bus = bus;
        this.store = store;
        this.inFlight = inFlight;
    }

    public static async Task<SinkIngest> Start(ServerEndpoints servers, string virtualHost, LogStore store, int inFlight, CancellationToken cancellationToken)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(servers.RabbitHost, checked((ushort)servers.RabbitPort), virtualHost, host =>
            {
                host.Username(servers.RabbitUser);
                host.Password(servers.RabbitPassword);
                // MassTransit's default; stated because the benchmark is about it: a publish completes on the broker's confirm.
                host.PublisherConfirmation = true;
                host.ConnectionName($"Jobs.Bench.Logs publisher {Environment.MachineName} pid {Environment.ProcessId}");
            });
        });
        await bus.StartAsync(cancellationToken);
        return new SinkIngest(bus, store, inFlight);
    }

    /// <summary>
    /// Publishes <paramref name="messages"/> into an empty table and waits until all are rows; <paramref name="sinkOutput"/>
    /// says what the LogSink logged if it never gets there.
    /// </summary>
    public async Task<SinkTiming> Run(IReadOnlyList<JobLogChunk> messages, Func<string> sinkOutput, CancellationToken cancellationToken)
    {
        var total = messages.Count;
        var next = -1;
        var confirmed = 0;
        var publishersLeft = Math.Min(inFlight, total);
        long publishedAt = 0;

        async Task Publisher()
        {
            for (var i = Interlocked.Increment(ref next); i < total; i = Interlocked.Increment(ref next))
            {
                await bus.Publish(messages[i], cancellationToken);
                Interlocked.Increment(ref confirmed);
            }
            if (Interlocked.Decrement(ref publishersLeft) == 0)
                Volatile.Write(ref publishedAt, Stopwatch.GetTimestamp());
        }

        using var timer = new PeriodicTimer(Poll);
        var begin = Stopwatch.GetTimestamp();
        var publishing = Task.WhenAll(Enumerable.Range(0, publishersLeft).Select(_ => Task.Run(Publisher, cancellationToken)));

        int? committedWhenPublished = null;
        var maxBacklog = 0;
        var polls = 0;
        var lastCount = -1;
        var lastChange = begin;
        while (true)
        {
            await timer.WaitForNextTickAsync(cancellationToken);
            if (publishing.IsFaulted || publishing.IsCanceled)
                await publishing;
            // Read before the count: a publish confirmed after this can only make the backlog smaller than it really was.
            var confirmedSoFar = Volatile.Read(ref confirmed);
            var published = publishing.IsCompletedSuccessfully;
            var committed = await store.Count(cancellationToken);
            var now = Stopwatch.GetTimestamp();
            polls++;
            maxBacklog = Math.Max(maxBacklog, confirmedSoFar - committed);
            if (published)
                committedWhenPublished ??= committed;
            if (committed == total)
            {
                await publishing;
                var publishSeconds = Stopwatch.GetElapsedTime(begin, Volatile.Read(ref publishedAt)).TotalSeconds;
                return new SinkTiming(Stopwatch.GetElapsedTime(begin, now).TotalSeconds, publishSeconds, committedWhenPublished ?? committed, maxBacklog, polls);
            }
            if (committed > total)
                throw new InvalidOperationException($"{committed} rows for {total} chunks: the table was not empty when the run began.");
            if (committed != lastCount)
            {
                lastCount = committed;
                lastChange = now;
            }
            else if (Stopwatch.GetElapsedTime(lastChange, now) > StallTimeout)
            {
                throw new TimeoutException(
                    $"No new row for {StallTimeout.TotalSeconds:0} s: {committed} of {total} stored, {confirmedSoFar} publishes confirmed. The LogSink's last output:\n{sinkOutput()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StopAsync(timeout.Token);
    }
}
