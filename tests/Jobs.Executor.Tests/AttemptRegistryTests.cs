using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

public sealed class AttemptRegistryTests
{
    readonly AttemptRegistry registry = new();
    readonly RunningAttempt attempt = new(Guid.NewGuid(), 1);

    [Fact]
    public void TryBeginTwice_SecondIsFalseWithNoResult()
    {
        Assert.True(registry.TryBegin(attempt, out var first));
        Assert.Null(first);

        Assert.False(registry.TryBegin(attempt, out var second));
        Assert.Null(second);
    }

    [Fact]
    public void AfterFinish_TryBeginIsFalseWithTheRecordedResult()
    {
        var result = Finished(attempt, exitCode: 7);
        registry.TryBegin(attempt, out _);
        registry.Finish(attempt, result);

        Assert.False(registry.TryBegin(attempt, out var earlier));
        Assert.Same(result, earlier);
        Assert.Empty(registry.Running);
    }

    [Fact]
    public void AfterAbandon_TheAttemptCanBeginAgain()
    {
        registry.TryBegin(attempt, out _);
        registry.Abandon(attempt);

        Assert.DoesNotContain(attempt, registry.Running);
        Assert.True(registry.TryBegin(attempt, out var result));
        Assert.Null(result);
    }

    [Fact]
    public void Running_ListsTheAttemptsThatRunAndNoOthers()
    {
        var second = new RunningAttempt(attempt.JobId, 2);
        var third = new RunningAttempt(Guid.NewGuid(), 1);
        registry.TryBegin(attempt, out _);
        registry.TryBegin(second, out _);
        registry.TryBegin(third, out _);
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
            registry.TryBegin(each, out _);
            registry.Finish(each, Finished(each, exitCode: 0));
        }

        Assert.True(registry.TryBegin(attempts[0], out _));
        Assert.False(registry.TryBegin(attempts[^1], out var newest));
        Assert.Equal(attempts[^1].Attempt, newest?.Attempt);
    }

    static JobAttemptFinished Finished(RunningAttempt attempt, int exitCode) =>
        new(attempt.JobId, attempt.Attempt, "executor-1", exitCode, null, 0, DateTimeOffset.UtcNow);
}
