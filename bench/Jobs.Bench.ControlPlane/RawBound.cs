using System.Diagnostics;
using Jobs.Testing;
using MassTransit;

namespace Jobs.Bench.ControlPlane;

/// <summary>The raw bound's message: about the size of a control-plane message's body.</summary>
public sealed record RawPing(Guid Id, int Seq, string Pool, DateTimeOffset SentAt);

/// <summary>What the broker alone does: messages through one queue per second, sent and consumed with MassTransit.</summary>
internal sealed record RawResult(
    int Messages,
    int Senders,
    int Prefetch,
    string Queue,
    int WarmupMessages,
    double Seconds,
    double MessagesPerSecond,
    double SendSeconds);

/// <summary>
/// The physical bound: small durable messages sent with MassTransit (publisher confirms, <c>senders</c> sends awaiting
/// their confirm at once) to a quorum queue (as every Jobs endpoint is) on a fresh virtual host of the same broker, and
/// consumed by one endpoint with the saga's prefetch (128) and as many at once; from the first send until the last
/// consume. Nothing else happens per message: this is what the broker and MassTransit cost on this machine.
/// </summary>
internal static class RawBound
{
    public const int Prefetch = 128;
    const string QueueName = "bench-raw";
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    public static async Task<RawResult> Measure(ServerEndpoints servers, int messages, int senders, CancellationToken cancellationToken)
    {
        await using var virtualHost = await TestVirtualHost.Create(servers);
        var consumed = 0;
        var target = int.MaxValue;
        long doneAt = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(servers.RabbitHost, checked((ushort)servers.RabbitPort), virtualHost.Name, h =>
            {
                h.Username(servers.RabbitUser);
                h.Password(servers.RabbitPassword);
                h.PublisherConfirmation = true;
                h.ConnectionName($"Jobs.Bench.ControlPlane raw bound {Environment.MachineName} pid {Environment.ProcessId}");
            });
            rabbit.ReceiveEndpoint(QueueName, endpoint =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.SetQuorumQueue();
                endpoint.PrefetchCount = Prefetch;
                endpoint.ConcurrentMessageLimit = Prefetch;
                endpoint.Handler<RawPing>(_ =>
                {
                    if (Interlocked.Increment(ref consumed) == Volatile.Read(ref target))
                    {
                        Volatile.Write(ref doneAt, Stopwatch.GetTimestamp());
                        done.TrySetResult();
                    }
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync(cancellationToken);
        try
        {
            // Sent through the queue's exchange, as the saga sends ExecuteJob, so the sender never declares the queue.
            var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{QueueName}"));
            var warmup = Math.Clamp(messages / 5, 100, 2000);
            await Run(warmup);
            var (seconds, sendSeconds) = await Run(messages);
            return new RawResult(messages, senders, Prefetch, "quorum", warmup, seconds, messages / seconds, sendSeconds);

            async Task<(double Seconds, double SendSeconds)> Run(int count)
            {
                Volatile.Write(ref consumed, 0);
                done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref target, count);
                var next = -1;
                var begin = Stopwatch.GetTimestamp();
                var sending = Task.WhenAll(Enumerable.Range(0, Math.Min(senders, count)).Select(_ => Task.Run(async () =>
                {
                    for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                        await endpoint.Send(new RawPing(Guid.NewGuid(), i, SimulatedExecutors.Pool, DateTimeOffset.UtcNow), cancellationToken);
                }, cancellationToken)));
                await sending;
                var sent = Stopwatch.GetElapsedTime(begin).TotalSeconds;
                // No fixed wait: the last consume completes the task; no progress for a minute is a failure.
                var last = -1;
                while (!done.Task.IsCompleted)
                {
                    var now = Volatile.Read(ref consumed);
                    if (now == last)
                        throw new TimeoutException($"Raw bound: {now} of {count} messages consumed, none for {StallTimeout.TotalSeconds:0} s.");
                    last = now;
                    await Task.WhenAny(done.Task, Task.Delay(StallTimeout, cancellationToken));
                    cancellationToken.ThrowIfCancellationRequested();
                }
                return (Stopwatch.GetElapsedTime(begin, Volatile.Read(ref doneAt)).TotalSeconds, sent);
            }
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await bus.StopAsync(timeout.Token);
        }
    }
}
