using System.Diagnostics;
using System.Threading.Channels;
using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>
/// Cuts one output stream into pieces: a piece is emitted when it reaches <see cref="MaxPieceBytes"/> or when its first
/// byte is <see cref="FlushAfter"/> old. Writing to a bounded channel is the backpressure: while the channel is full the
/// pump stops reading, and the child blocks on its pipe.
/// </summary>
public static class OutputPump
{
    public const int MaxPieceBytes = 64 * 1024;
    public static readonly TimeSpan FlushAfter = TimeSpan.FromMilliseconds(200);

    public static async Task Run(Stream source, LogStream stream, ChannelWriter<OutputPiece> output, CancellationToken cancellationToken)
    {
        var pending = new byte[MaxPieceBytes];
        var filled = 0;
        var firstByteAt = 0L;
        var readBuffer = new byte[16 * 1024];
        Task<int>? read = null;

        while (true)
        {
            read ??= source.ReadAsync(readBuffer, cancellationToken).AsTask();
            if (filled > 0 && !read.IsCompleted)
            {
                var wait = FlushAfter - Stopwatch.GetElapsedTime(firstByteAt);
                if (wait > TimeSpan.Zero)
                    await Task.WhenAny(read, Task.Delay(wait, cancellationToken));
                if (!read.IsCompleted)
                {
                    await Flush();
                    continue;
                }
            }

            var count = await read;
            read = null;
            if (count == 0)
                break;

            var incoming = readBuffer.AsMemory(0, count);
            while (incoming.Length > 0)
            {
                if (filled == 0)
                    firstByteAt = Stopwatch.GetTimestamp();
                var take = Math.Min(incoming.Length, MaxPieceBytes - filled);
                incoming[..take].CopyTo(pending.AsMemory(filled));
                filled += take;
                incoming = incoming[take..];
                if (filled == MaxPieceBytes)
                    await Flush();
            }
        }

        if (filled > 0)
            await Flush();

        async Task Flush()
        {
            await output.WriteAsync(new OutputPiece(stream, DateTimeOffset.UtcNow, pending.AsSpan(0, filled).ToArray()), cancellationToken);
            filled = 0;
        }
    }
}
