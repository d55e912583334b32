using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Jobs.Contracts;
using Jobs.Testing;
using MassTransit;

namespace Jobs.Bench.ControlPlane;

/// <summary>What the simulated executors saw over their life.</summary>
internal sealed record ExecutorCounters(long Executed, long Redelivered, long Stops, long Heartbeats, long HeartbeatsFailed, int MostRunningAtOnce);

/// <summary>
/// K executors inside this process, on one MassTransit bus on the system's virtual host, that look to the rest of the
/// system like real ones: each heartbeats (<see cref="ExecutorHeartbeat"/>: pool <c>default</c>, its slots, what it
/// runs now) every 2 s, as the executors of <see cref="JobsSystem"/> do; each consumes <see cref="ExecuteJob"/> from its
/// own queue declared as the executor's Program.cs declares it (<see cref="ExecutorEndpoint.QueueName"/>, quorum queue,
/// no consume topology, prefetch and concurrency = slots), and <see cref="StopJob"/> from its control queue. An attempt
/// runs no process: the consumer publishes <see cref="JobStarted"/> and then <see cref="JobAttemptFinished"/> (exit code
/// 0, no log chunks), each awaiting its publisher confirm, and only then acknowledges the command, as the executor does.
/// </summary>
internal sealed class SimulatedExecutors : IAsyncDisposable
{
    public const string Pool = "default";
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);

    readonly int slots;
    readonly ConcurrentDictionary<RunningAttempt, byte>[] running;
    readonly ConcurrentDictionary<(Guid JobId, int Attempt), DateTimeOffset> received = new();
    readonly HostFacts host = new(
        Environment.MachineName,
        RuntimeInformation.OSDescription,
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    readonly CancellationTokenSource stopping = new();
    IBusControl bus = null!;
    Task heartbeats = Task.CompletedTask;
    long executed;
    long redelivered;
    long stops;
    long beats;
    long beatsFailed;
    int runningNow;
    int mostRunning;

    SimulatedExecutors(int executors, int slots)
    {
        this.slots = slots;
        Ids = [.. Enumerable.Range(1, executors).Select(i => $"bench-{i}")];
        running = [.. Ids.Select(_ => new ConcurrentDictionary<RunningAttempt, byte>())];
    }

    public IReadOnlyList<string> Ids { get; }

    public ExecutorCounters Counters => new(
        Interlocked.Read(ref executed), Interlocked.Read(ref redelivered), Interlocked.Read(ref stops),
        Interlocked.Read(ref beats), Interlocked.Read(ref beatsFailed), Volatile.Read(ref mostRunning));

    /// <summary>When the first delivery of an attempt's <see cref="ExecuteJob"/> reached its executor, or null.</summary>
    public DateTimeOffset? ReceivedAt(Guid jobId, int attempt) => received.TryGetValue((jobId, attempt), out var at) ? at : null;

    /// <summary>Forgets the high-water mark of attempts running at once (before the measured run).</summary>
    public void ResetMostRunning() => Volatile.Write(ref mostRunning, 0);

    public static async Task<SimulatedExecutors> Start(ServerEndpoints servers, string virtualHost, int executors, int slots, CancellationToken cancellationToken)
    {
        var simulated = new SimulatedExecutors(executors, slots);
        simulated.bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(servers.RabbitHost, checked((ushort)servers.RabbitPort), virtualHost, h =>
            {
                h.Username(servers.RabbitUser);
                h.Password(servers.RabbitPassword);
                // MassTransit's default, stated because the executor depends on it: a publish completes on the broker's confirm.
                h.PublisherConfirmation = true;
                h.ConnectionName($"Jobs.Bench.ControlPlane executors {Environment.MachineName} pid {Environment.ProcessId}");
            });
            for (var i = 0; i < executors; i++)
            {
                var index = i;
                var id = simulated.Ids[i];
                // As services/Executor/Program.cs: only what is sent to it, as many at once as it has slots.
                rabbit.ReceiveEndpoint(ExecutorEndpoint.QueueName(id), endpoint =>
                {
                    endpoint.ConfigureConsumeTopology = false;
                    endpoint.SetQuorumQueue();
                    endpoint.PrefetchCount = slots;
                    endpoint.ConcurrentMessageLimit = slots;
                    endpoint.Handler<ExecuteJob>(context => simulated.Execute(context, index));
                });
                // Its control queue: stops (the Scheduler sends one for an attempt a heartbeat lists but no longer placed here).
                rabbit.ReceiveEndpoint(ExecutorEndpoint.ControlQueueName(id), endpoint =>
                {
                    endpoint.ConfigureConsumeTopology = false;
                    endpoint.SetQuorumQueue();
                    endpoint.Handler<StopJob>(_ =>
                    {
                        Interlocked.Increment(ref simulated.stops);
                        return Task.CompletedTask;
                    });
                });
            }
        });
        await simulated.bus.StartAsync(cancellationToken);
        simulated.heartbeats = Task.Run(simulated.Heartbeat, CancellationToken.None);
        return simulated;
    }

    async Task Execute(ConsumeContext<ExecuteJob> context, int index)
    {
        var command = context.Message;
        var id = Ids[index];
        var attempt = new RunningAttempt(command.JobId, command.Attempt);
        if (!received.TryAdd((command.JobId, command.Attempt), DateTimeOffset.UtcNow))
            Interlocked.Increment(ref redelivered);
        running[index].TryAdd(attempt, 0);
        var now = Interlocked.Increment(ref runningNow);
        for (var most = Volatile.Read(ref mostRunning); now > most; most = Volatile.Read(ref mostRunning))
        {
            if (Interlocked.CompareExchange(ref mostRunning, now, most) == most)
                break;
        }
        try
        {
            // As ExecuteJobConsumer: started, then (no output, so no chunks) finished, each confirmed before the next.
            await bus.Publish(new JobStarted(command.JobId, command.Attempt, id, Environment.ProcessId, DateTimeOffset.UtcNow), context.CancellationToken);
            await bus.Publish(
                new JobAttemptFinished(command.JobId, command.Attempt, id, ExitCode: 0, Error: null, LogChunks: 0, DateTimeOffset.UtcNow) { End = AttemptEnd.Exited },
                context.CancellationToken);
            Interlocked.Increment(ref executed);
        }
        finally
        {
            running[index].TryRemove(attempt, out _);
            Interlocked.Decrement(ref runningNow);
        }
    }

    /// <summary>Every executor's heartbeat at once, then every <see cref="HeartbeatInterval"/>, as HeartbeatService sends it.</summary>
    async Task Heartbeat()
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        do
        {
            await Task.WhenAll(Ids.Select(async (id, index) =>
            {
                try
                {
                    using var beat = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                    beat.CancelAfter(HeartbeatInterval);
                    await bus.Publish(
                        new ExecutorHeartbeat(id, Pool, new Dictionary<string, string>(), slots, [.. running[index].Keys], host, DateTimeOffset.UtcNow),
                        beat.Token);
                    Interlocked.Increment(ref beats);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                }
#pragma warning disable CA1031 // A beat that fails is counted and tried again on schedule, as the executor does.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref beatsFailed);
                }
            }));
        }
        while (!stopping.IsCancellationRequested && await WaitTick(timer));
    }

    async Task<bool> WaitTick(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await heartbeats;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StopAsync(timeout.Token);
        stopping.Dispose();
    }
}
