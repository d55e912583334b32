using Jobs.Contracts;
using Jobs.JobApi.StateMachines;
using Jobs.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Machine = Jobs.JobApi.StateMachines.JobStateMachine;

namespace Jobs.JobApi.Tests;

/// <summary>The job state machine on MassTransit's in-memory test harness, with steps that walk a job to a given state.</summary>
sealed class InMemoryJobSaga : IAsyncDisposable
{
    /// <summary>No retries, so one attempt decides the job; retry tests pass their own spec.</summary>
    public static readonly JobSpec Spec = new("echo", ["hello"], false, "gpu") { Retry = new RetryPolicy { MaxAttempts = 1 } };

    /// <summary>How long the bus must be without a message to count as idle: in memory a hop takes well under this.</summary>
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    readonly ServiceProvider provider;
    readonly BusInactivity inactivity;

    InMemoryJobSaga(ServiceProvider provider, ITestHarness harness)
    {
        this.provider = provider;
        Harness = harness;
        Saga = harness.GetSagaStateMachineHarness<Machine, JobState>();
        inactivity = new BusInactivity(harness.Bus, Quiet);
    }

    public ITestHarness Harness { get; }
    public ISagaStateMachineTestHarness<Machine, JobState> Saga { get; }

    /// <param name="publishScheduler">
    /// As the production bus: scheduled messages (the queue timeout) are published as <c>ScheduleMessage</c> for the
    /// Scheduler's timers, and unscheduling publishes <c>CancelScheduledMessage</c>; nothing here consumes either.
    /// </param>
    public static async Task<InMemoryJobSaga> Start(bool publishScheduler = false)
    {
        var provider = new ServiceCollection()
            .AddMassTransitTestHarness(x =>
            {
                x.AddSagaStateMachine<Machine, JobState>().InMemoryRepository();
                if (publishScheduler)
                {
                    x.AddPublishMessageScheduler();
                    x.UsingInMemory((context, cfg) =>
                    {
                        cfg.UsePublishMessageScheduler();
                        cfg.ConfigureEndpoints(context);
                    });
                }
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return new InMemoryJobSaga(provider, harness);
    }

    public async Task<JobAccepted> Submit(Guid jobId, JobSpec? spec = null)
    {
        var client = Harness.GetRequestClient<SubmitJob>();
        var response = await client.GetResponse<JobAccepted>(new SubmitJob(jobId, spec ?? Spec, DateTimeOffset.UtcNow));
        return response.Message;
    }

    /// <summary>Publishes a message and returns once the saga's endpoint has consumed it, asserting that it did not fault.</summary>
    public async Task Deliver<T>(T message, Action<PublishContext<T>>? configure = null)
        where T : class
    {
        var messageId = NewId.NextGuid();
        await Harness.Bus.Publish(message, context =>
        {
            context.MessageId = messageId;
            configure?.Invoke(context);
        });
        var consumed = await Until(
            () => Harness.Consumed.Select<T>(x => x.Context.MessageId == messageId, HarnessLists.NoWait).SingleOrDefault(),
            $"{typeof(T).Name} {message} to be consumed");
        Assert.Null(consumed.Exception);
    }

    /// <summary>Waits for the job to reach the state, then returns its saga instance.</summary>
    public Task<JobState> WaitFor(Guid jobId, Func<Machine, State> state)
    {
        var name = state(Saga.StateMachine).Name;
        return Until(() => Saga.Sagas.Contains(jobId) is { } job && job.CurrentState == name ? job : null, $"job {jobId} to be {name}");
    }

    /// <summary>Polls until <paramref name="read"/> gives a value.</summary>
    public static async Task<T> Until<T>(Func<T?> read, string what)
        where T : class =>
        (await Eventually.Get(() => Task.FromResult(read()), value => value is not null, TimeSpan.FromSeconds(10), what))!;

    public JobState Job(Guid jobId) => Saga.Sagas.Contains(jobId) ?? throw new InvalidOperationException($"No saga {jobId}.");

    public async Task<Guid> Pending()
    {
        var jobId = NewId.NextGuid();
        await Submit(jobId);
        await WaitFor(jobId, m => m.Pending);
        return jobId;
    }

    public async Task<Guid> Assigned(string executorId = "e1")
    {
        var jobId = await Pending();
        await Deliver(new JobPlaced(jobId, 1, executorId));
        await WaitFor(jobId, m => m.Assigned);
        return jobId;
    }

    public async Task<Guid> Running()
    {
        var jobId = await Assigned();
        await Deliver(new JobStarted(jobId, 1, "e1", 4242, DateTimeOffset.UtcNow));
        await WaitFor(jobId, m => m.Running);
        return jobId;
    }

    public async Task<CancelJobResult> Cancel(Guid jobId)
    {
        var client = Harness.GetRequestClient<CancelJob>();
        var response = await client.GetResponse<CancelJobResult>(new CancelJob(jobId, DateTimeOffset.UtcNow));
        return response.Message;
    }

    /// <summary>
    /// Exactly one JobEnded for the job, with this status and attempt count: waits for it, then until the bus is idle,
    /// so that whatever was still in flight, and could publish a second one, has been handled.
    /// </summary>
    public async Task AssertOneJobEnded(Guid jobId, string status, int attempts)
    {
        await Until(
            () => Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).FirstOrDefault(),
            "JobEnded to be published");
        await inactivity.Wait(TimeSpan.FromSeconds(10));
        var ended = Assert.Single(Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait)).Context.Message;
        Assert.Equal((status, attempts), (ended.Status, ended.Attempts));
    }

    public void AssertNoJobEnded(Guid jobId) =>
        Assert.Empty(Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));

    public void AssertNoStop(Guid jobId) =>
        Assert.Empty(Harness.Sent.Select<StopJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));

    public static JobAttemptFinished Finished(Guid jobId, int? exitCode, string? error = null, int attempt = 1, int logChunks = 3) =>
        new(jobId, attempt, "e1", exitCode, error, logChunks, DateTimeOffset.UtcNow);

    public async ValueTask DisposeAsync()
    {
        inactivity.Dispose();
        await Harness.Stop();
        await provider.DisposeAsync();
    }
}
