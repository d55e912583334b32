using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

public sealed class AttemptRegistryTests
{
    readonly AttemptRegistry registry = new();
    readonly RunningAttempt attempt = new(Guid.NewGuid(), 1);

    [Fact]
    public void TryBeginTwice_SecondIsNullWithNoResult()
    {
        Assert.NotNull(registry.TryBegin(attempt, out var first, out var firstStopped));
        Assert.Null(first);
        Assert.False(firstStopped);

        Assert.Null(registry.TryBegin(attempt, out var second, out var secondStopped));
        Assert.Null(second);
        Assert.False(secondStopped);
    }

    [Fact]
    public void AfterFinish_TryBeginIsNullWithTheRecordedResult()
    {
        var result = Finished(attempt, exitCode: 7);
        registry.TryBegin(attempt, out _, out _);
        registry.Finish(attempt, result);

        Assert.Null(registry.TryBegin(attempt, out var earlier, out var stopped));
        Assert.Same(result, earlier);
        Assert.False(stopped);
        Assert.Empty(registry.Running);
    }

    [Fact]
    public void Result_OnlyForAnAttemptThatEndedHere()
    {
        Assert.Null(registry.Result(attempt));
        registry.TryBegin(attempt, out _, out _);
        Assert.Null(registry.Result(attempt));

        var result = Finished(attempt, exitCode: 0);
        registry.Finish(attempt, result);

        Assert.Same(result, registry.Result(attempt));
        Assert.Null(registry.Result(attempt with { Attempt = 2 }));
    }

    [Fact]
    public void AfterAbandon_TheAttemptCanBeginAgain()
    {
        registry.TryBegin(attempt, out _, out _);
        registry.Abandon(attempt);

        Assert.DoesNotContain(attempt, registry.Running);
        Assert.NotNull(registry.TryBegin(attempt, out var result, out var stopped));
        Assert.Null(result);
        Assert.False(stopped);
    }

    [Fact]
    public async Task WhenFinished_OfARunningAttempt_CompletesWithItsResultWhenItFinishes()
    {
        var result = Finished(attempt, exitCode: 0);
        registry.TryBegin(attempt, out _, out _);
        var waiting = registry.WhenFinished(attempt)!;

        Assert.False(waiting.IsCompleted);
        registry.Finish(attempt, result);

        Assert.Same(result, await waiting);
        Assert.Null(registry.WhenFinished(attempt));
    }

    [Fact]
    public async Task WhenFinished_OfAnAbandonedAttempt_CompletesWithNoResult()
    {
        registry.TryBegin(attempt, out _, out _);
        var waiting = registry.WhenFinished(attempt)!;

        registry.Abandon(attempt);

        Assert.Null(await waiting);
    }

    [Fact]
    public void WhenFinished_OfAnAttemptNotRunningHere_IsNull()
    {
        Assert.Null(registry.WhenFinished(attempt));
    }

    [Fact]
    public void Running_ListsTheAttemptsThatRunAndNoOthers()
    {
        var second = new RunningAttempt(attempt.JobId, 2);
        var third = new RunningAttempt(Guid.NewGuid(), 1);
        registry.TryBegin(attempt, out _, out _);
        registry.TryBegin(second, out _, out _);
        registry.TryBegin(third, out _, out _);
        registry.Finish(second, Finished(second, exitCode: 0));

        Assert.Equal(
            new[] { attempt, third }.OrderBy(a => a.JobId).ThenBy(a => a.Attempt),
            registry.Running.OrderBy(a => a.JobId).ThenBy(a => a.Attempt));
    }

    [Fact]
    public void ManyFinished_TheOldestAreForgottenAndTheNewestRemembered()
    {
        var attempts = Enumerable.Range(1, 10_001).Select(i => new RunningAttempt(attempt.JobId, i)).ToList();
        foreach (var each in attempts)
        {
            registry.TryBegin(each, out _, out _);
            registry.Finish(each, Finished(each, exitCode: 0));
        }

        Assert.NotNull(registry.TryBegin(attempts[0], out _, out _));
        Assert.Null(registry.TryBegin(attempts[^1], out var newest, out _));
        Assert.Equal(attempts[^1].Attempt, newest?.Attempt);
    }

    [Fact]
    public void TryBegin_GivesEachAttemptAControlWithNoStopRequested()
    {
        var other = new RunningAttempt(attempt.JobId, 2);

        var control = registry.TryBegin(attempt, out _, out _);
        var otherControl = registry.TryBegin(other, out _, out _);

        Assert.NotNull(control);
        Assert.NotNull(otherControl);
        Assert.NotSame(control, otherControl);
        Assert.False(control.StopRequested.IsCompleted);
    }

    [Fact]
    public void RequestStopBeforeTryBegin_TryBeginIsNullAndSaysStoppedBeforeStart()
    {
        registry.RequestStop(attempt, TimeSpan.FromSeconds(5));

        Assert.Null(registry.TryBegin(attempt, out var result, out var stopped));
        Assert.True(stopped);
        Assert.Null(result);
        Assert.Empty(registry.Running);
    }

    [Fact]
    public void RequestStopBeforeTryBegin_StopsOnlyTheFirstTryBegin()
    {
        // What the registry does: the remembered stop is consumed by the TryBegin it refuses, and nothing is recorded
        // as finished, so a later TryBegin of the same attempt (a redelivered ExecuteJob) begins it. ExecuteJobConsumer
        // does not call Finish for an attempt stopped before start, so a redelivery would run the stopped attempt.
        registry.RequestStop(attempt, TimeSpan.FromSeconds(5));
        Assert.Null(registry.TryBegin(attempt, out _, out var stopped));
        Assert.True(stopped);

        var control = registry.TryBegin(attempt, out var result, out var stoppedAgain);

        Assert.NotNull(control);
        Assert.Null(result);
        Assert.False(stoppedAgain);
        Assert.False(control.StopRequested.IsCompleted);
    }

    [Fact]
    public void RequestStopBeforeTryBegin_DoesNotStopOtherAttempts()
    {
        var nextAttempt = new RunningAttempt(attempt.JobId, 2);
        var otherJob = new RunningAttempt(Guid.NewGuid(), 1);
        registry.RequestStop(attempt, TimeSpan.FromSeconds(5));

        Assert.NotNull(registry.TryBegin(nextAttempt, out _, out var nextStopped));
        Assert.NotNull(registry.TryBegin(otherJob, out _, out var otherStopped));
        Assert.False(nextStopped);
        Assert.False(otherStopped);
    }

    [Fact]
    public async Task RequestStopWhileRunning_CompletesStopRequestedWithTheGrace()
    {
        var control = registry.TryBegin(attempt, out _, out _);
        Assert.NotNull(control);

        registry.RequestStop(attempt, TimeSpan.FromSeconds(7));

        Assert.True(control.StopRequested.IsCompleted);
        Assert.Equal(TimeSpan.FromSeconds(7), await control.StopRequested);
        Assert.Contains(attempt, registry.Running);
    }

    [Fact]
    public async Task RequestStopTwiceWhileRunning_TheFirstGraceWins()
    {
        var control = registry.TryBegin(attempt, out _, out _);
        Assert.NotNull(control);

        registry.RequestStop(attempt, TimeSpan.FromSeconds(3));
        registry.RequestStop(attempt, TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(3), await control.StopRequested);
    }

    [Fact]
    public void RequestStopWhileRunning_DoesNotStopTheNextTryBegin()
    {
        // The stop reached the running attempt; it is not also remembered as an early stop.
        var control = registry.TryBegin(attempt, out _, out _);
        registry.RequestStop(attempt, TimeSpan.FromSeconds(3));
        registry.Abandon(attempt);

        var again = registry.TryBegin(attempt, out _, out var stopped);

        Assert.NotNull(control);
        Assert.NotNull(again);
        Assert.False(stopped);
        Assert.False(again.StopRequested.IsCompleted);
    }

    [Fact]
    public void RequestStopAfterFinish_DoesNothing()
    {
        var control = registry.TryBegin(attempt, out _, out _);
        Assert.NotNull(control);
        var result = Finished(attempt, exitCode: 0);
        registry.Finish(attempt, result);

        registry.RequestStop(attempt, TimeSpan.FromSeconds(3));

        Assert.False(control.StopRequested.IsCompleted);
        Assert.Null(registry.TryBegin(attempt, out var earlier, out var stopped));
        Assert.Same(result, earlier);
        Assert.False(stopped);
        Assert.Empty(registry.Running);
    }

    [Fact]
    public void RequestStopAfterAbandon_StopsTheRedeliveredAttemptBeforeStart()
    {
        registry.TryBegin(attempt, out _, out _);
        registry.Abandon(attempt);

        registry.RequestStop(attempt, TimeSpan.FromSeconds(3));

        Assert.Null(registry.TryBegin(attempt, out var result, out var stopped));
        Assert.True(stopped);
        Assert.Null(result);
    }

    static JobAttemptFinished Finished(RunningAttempt attempt, int exitCode) =>
        new(attempt.JobId, attempt.Attempt, "executor-1", exitCode, null, 0, DateTimeOffset.UtcNow);
}
