using CsCheck;
using Jobs.Contracts;
using Jobs.JobApi.StateMachines;
using MassTransit;
using Xunit.Abstractions;

namespace Jobs.JobApi.Tests;

/// <summary>
/// Random message sequences (<see cref="JobEventSequence"/>) against the job state machine on one in-memory harness,
/// each job with its own id: whatever arrives, in whatever order, for whichever attempt, the saga stays in a valid state.
/// CsCheck shrinks a failing sequence and prints it with the seed that finds it again (set <c>CsCheck_Seed</c>).
/// </summary>
public sealed class JobStateMachinePropertyTests(ITestOutputHelper output) : IAsyncLifetime
{
    const string SchedulingTokenIdHeader = "MT-Scheduling-TokenId";
    const int Sequences = 300;

    static readonly HashSet<string> Terminal = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];
    static readonly HashSet<string> Known = [.. Terminal, "Pending", "Assigned", "Running", "Retrying", "Canceling"];

    InMemoryJobSaga saga = null!;

    public async Task InitializeAsync() => saga = await InMemoryJobSaga.Start(publishScheduler: true);

    public async Task DisposeAsync() => await saga.DisposeAsync();

    [Fact]
    public async Task Property_AnyEventSequence_KeepsTheJobValidAndEndsItAtMostOnce()
    {
        var jobs = new System.Collections.Concurrent.ConcurrentBag<Guid>();

        // Threads: the harness is I/O-bound waiting between steps, so several sequences in flight keep it busy.
        await JobEventSequence.Any.SampleAsync(
            async sequence => jobs.Add(await Run(sequence)),
            writeLine: output.WriteLine,
            iter: Sequences,
            threads: 8);

        // Every JobEnded was published inside a consume that has ended: a late second one would be there by now.
        foreach (var jobId in jobs)
        {
            var job = saga.Job(jobId);
            Assert.Equal(Terminal.Contains(job.CurrentState) ? 1 : 0, EndedCount(jobId));
        }
        output.WriteLine($"{jobs.Count} sequences; final states: "
            + string.Join(", ", jobs.GroupBy(id => saga.Job(id).CurrentState).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
    }

    /// <summary>Submits a job, delivers the steps one by one checking the invariants after each, and returns the job's id.</summary>
    async Task<Guid> Run(JobEventSequence sequence)
    {
        var jobId = NewId.NextGuid();
        await saga.Submit(jobId, sequence.Spec);
        await saga.WaitFor(jobId, m => m.Pending);
        string? ended = null;
        foreach (var step in sequence.Steps)
        {
            await Deliver(jobId, sequence.Spec, step);
            var job = saga.Job(jobId);
            var snapshot = Snapshot(job);
            if (ended is not null)
                Assert.True(ended == snapshot, $"A terminal job changed after {step}:\n  was {ended}\n  now {snapshot}");
            AssertValid(job, sequence.Spec.Retry);
            if (Terminal.Contains(job.CurrentState))
                ended = snapshot;
        }

        var final = saga.Job(jobId);
        if (Terminal.Contains(final.CurrentState))
        {
            var message = await InMemoryJobSaga.Until(
                () => saga.Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).FirstOrDefault(),
                "JobEnded to be published");
            Assert.Equal((final.CurrentState, final.Attempt), (message.Context.Message.Status, message.Context.Message.Attempts));
        }
        Assert.True(EndedCount(jobId) <= 1, $"{EndedCount(jobId)} JobEnded for one job");
        return jobId;
    }

    static void AssertValid(JobState job, RetryPolicy retry)
    {
        Assert.Contains(job.CurrentState, Known);
        Assert.InRange(job.Attempt, 1, retry.MaxAttempts);
        Assert.All(job.Attempts, a => Assert.InRange(a.Number, 1, retry.MaxAttempts));
        Assert.True(job.Attempts.Count(a => a.Outcome == AttemptOutcomes.Succeeded) <= 1, "more than one attempt succeeded");
        if (job.CurrentState == "Succeeded")
        {
            var current = job.Attempts.Single(a => a.Number == job.Attempt);
            Assert.Equal((AttemptOutcomes.Succeeded, (int?)0, (int?)0), (current.Outcome, current.ExitCode, job.ExitCode));
            Assert.NotNull(current.ExecutorId);
        }
    }

    int EndedCount(Guid jobId) => saga.Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count();

    /// <summary>What a terminal job must keep: its state and every outcome field of it and of its attempts.</summary>
    static string Snapshot(JobState job) =>
        $"{job.CurrentState} attempt={job.Attempt} exit={job.ExitCode} error={job.Error} started={job.StartedAt:O} finished={job.FinishedAt:O} chunks={job.LogChunks} executor={job.ExecutorId} | "
        + string.Join(" | ", job.Attempts.OrderBy(a => a.Number).Select(a =>
            $"#{a.Number} {a.Outcome} exit={a.ExitCode} signal={a.Signal} error={a.Error} executor={a.ExecutorId} started={a.StartedAt:O} finished={a.FinishedAt:O} chunks={a.LogChunks}"));

    async Task Deliver(Guid jobId, JobSpec spec, JobStep step)
    {
        var job = saga.Job(jobId);
        var attempt = step.Attempt switch
        {
            AttemptRef.Current => job.Attempt,
            AttemptRef.Previous => Math.Max(1, job.Attempt - 1),
            AttemptRef.Next => job.Attempt + 1,
            _ => 1,
        };
        // The executor the attempt was placed on reports it; one it never reached comes from one named after it.
        var executorId = job.Attempts.Find(a => a.Number == attempt)?.ExecutorId ?? $"e{attempt}";
        var now = DateTimeOffset.UtcNow;
        switch (step.Kind)
        {
            case StepKind.Submit:
                await saga.Submit(jobId, spec);
                break;
            case StepKind.Place:
                await saga.Deliver(new JobPlaced(jobId, attempt, executorId));
                break;
            case StepKind.Start:
                await saga.Deliver(new JobStarted(jobId, attempt, executorId, 4242, now));
                break;
            case StepKind.Finish:
                await saga.Deliver(Finished(jobId, attempt, executorId, step.Finish, now));
                break;
            case StepKind.Lose:
                await saga.Deliver(new AttemptLost(jobId, attempt, executorId, now));
                break;
            case StepKind.Cancel:
                await saga.Cancel(jobId);
                break;
            case StepKind.QueueTimeout:
                // As the Scheduler's timer delivers it: always with a token, the saga's own or one it no longer holds.
                var token = step.CurrentToken && job.QueueTimeoutToken is { } current ? current : NewId.NextGuid();
                await saga.Deliver(new QueueTimeoutExpired(jobId), c => c.Headers.Set(SchedulingTokenIdHeader, token.ToString()));
                break;
            case StepKind.Delay:
                await saga.Deliver(new PlacementDelayed(jobId, attempt, "No executor in pool gpu."));
                break;
        }
    }

    static JobAttemptFinished Finished(Guid jobId, int attempt, string executorId, FinishKind kind, DateTimeOffset now)
    {
        JobAttemptFinished Report(int? exitCode, string? error = null) => new(jobId, attempt, executorId, exitCode, error, 2, now);
        return kind switch
        {
            FinishKind.ExitZero => Report(0),
            FinishKind.ExitNonZero => Report(3),
            FinishKind.Signal => Report(143) with { End = AttemptEnd.Stopped, Signal = 15 },
            FinishKind.Timeout => Report(137) with { End = AttemptEnd.TimedOut, Signal = 9 },
            FinishKind.SpawnError => Report(null, "No such file or directory") with { End = AttemptEnd.Rejected },
            FinishKind.Drained => Report(137, "drain timeout ran out") with { End = AttemptEnd.Drained, Signal = 9 },
            _ => Report(137, JobAttemptFinished.OomKilled),
        };
    }
}
