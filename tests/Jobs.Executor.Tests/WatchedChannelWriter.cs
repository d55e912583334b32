using System.Threading.Channels;

namespace Jobs.Executor.Tests;

/// <summary>
/// A channel writer over another that notices a write having to wait for room: the first time one does, it takes
/// <paramref name="observe"/> at that moment, while the writer is held in that write.
/// </summary>
sealed class WatchedChannelWriter<T, TState>(ChannelWriter<T> inner, Func<TState> observe) : ChannelWriter<T>
{
    readonly TaskCompletionSource<TState> firstWait = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int waiting;

    /// <summary>What <c>observe</c> saw when a write first found the channel full.</summary>
    public Task<TState> FirstWait => firstWait.Task;

    /// <summary>Whether a write is waiting for room now.</summary>
    public bool Waiting => Volatile.Read(ref waiting) > 0;

    public override bool TryWrite(T item) => inner.TryWrite(item);
    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);
    public override bool TryComplete(Exception? error = null) => inner.TryComplete(error);

    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        var write = inner.WriteAsync(item, cancellationToken);
        return write.IsCompleted ? write : Wait(write);
    }

    async ValueTask Wait(ValueTask write)
    {
        Interlocked.Increment(ref waiting);
        try
        {
            firstWait.TrySetResult(observe());
            await write;
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
    }
}
