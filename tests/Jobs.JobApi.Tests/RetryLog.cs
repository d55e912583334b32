using System.Collections.Concurrent;
using MassTransit;

namespace Jobs.JobApi.Tests;

/// <summary>
/// The exceptions the bus-level retry policies retried, each with the delay before its retry (which says which policy
/// took it), so a test can show which race it went through.
/// </summary>
sealed class RetryLog : IRetryObserver
{
    readonly ConcurrentQueue<(Exception Exception, TimeSpan? Delay)> retried = new();

    public IReadOnlyCollection<(Exception Exception, TimeSpan? Delay)> Retried => retried;

    public Task PreRetry<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        retried.Enqueue((context.Exception, context.Delay));
        return Task.CompletedTask;
    }

    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryComplete<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;
}
