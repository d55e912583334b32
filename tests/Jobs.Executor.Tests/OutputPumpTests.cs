using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading.Channels;
using Jobs.Contracts;
using Jobs.Executor.Execution;
using Jobs.Testing;

namespace Jobs.Executor.Tests;

public sealed class OutputPumpTests
{
    const int Piece = OutputPump.MaxPieceBytes;
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ManyWritesOfRandomSizes_ComeOutInOrderAndComplete()
    {
        var data = RandomBytes(3 * 1024 * 1024 + 17, seed: 1);
        var pipe = new Pipe();
        var pieces = Channel.CreateUnbounded<OutputPiece>();
        var pump = OutputPump.Run(pipe.Reader.AsStream(), LogStream.Stdout, pieces.Writer, CancellationToken.None);

        var random = new Random(2);
        for (var offset = 0; offset < data.Length;)
        {
            var size = Math.Min(random.Next(1, 100_000), data.Length - offset);
            await pipe.Writer.WriteAsync(data.AsMemory(offset, size));
            offset += size;
        }
        await pipe.Writer.CompleteAsync();
        await pump.WaitAsync(Deadline);
        pieces.Writer.Complete();

        var received = await ReadAll(pieces.Reader);
        Assert.Equal(data, received.SelectMany(p => p.Data).ToArray());
        Assert.All(received, p => Assert.InRange(p.Data.Length, 1, Piece));
        Assert.All(received, p => Assert.Equal(LogStream.Stdout, p.Stream));
    }

    [Fact]
    public async Task LargeWrite_IsCutIntoFull64KiBPieces()
    {
        var data = RandomBytes(4 * Piece + 100, seed: 3);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(data);
        await pipe.Writer.CompleteAsync();
        var pieces = Channel.CreateUnbounded<OutputPiece>();

        await OutputPump.Run(pipe.Reader.AsStream(), LogStream.Stderr, pieces.Writer, CancellationToken.None).WaitAsync(Deadline);
        pieces.Writer.Complete();

        var received = await ReadAll(pieces.Reader);
        Assert.Equal(new[] { Piece, Piece, Piece, Piece, 100 }, received.Select(p => p.Data.Length));
        Assert.Equal(data, received.SelectMany(p => p.Data).ToArray());
        Assert.All(received, p => Assert.Equal(LogStream.Stderr, p.Stream));
    }

    [Fact]
    public async Task SmallWriteWithNothingAfter_IsFlushedAfterAbout200MsWithoutEof()
    {
        var pipe = new Pipe();
        var pieces = Channel.CreateUnbounded<OutputPiece>();
        var pump = OutputPump.Run(pipe.Reader.AsStream(), LogStream.Stdout, pieces.Writer, CancellationToken.None);

        await pipe.Writer.WriteAsync("hello\n"u8.ToArray());
        var written = Stopwatch.StartNew();
        var piece = await pieces.Reader.ReadAsync().AsTask().WaitAsync(Deadline);
        var elapsed = written.Elapsed;

        Assert.Equal("hello\n"u8.ToArray(), piece.Data);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(150), $"flushed after {elapsed.TotalMilliseconds:0} ms, before the flush delay");
        Assert.False(pump.IsCompleted, "the pump ended although the writer still holds the stream open");

        await pipe.Writer.CompleteAsync();
        await pump.WaitAsync(Deadline);
        Assert.False(pieces.Reader.TryRead(out _), "a piece was emitted twice");
    }

    [Fact]
    public async Task FullChannel_StopsReadingTheSourceUntilAPieceIsTaken()
    {
        var data = RandomBytes(1024 * 1024, seed: 4);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024));
        var source = new CountingStream(pipe.Reader.AsStream());
        var pieces = Channel.CreateBounded<OutputPiece>(1);
        var output = new WatchedChannelWriter<OutputPiece, (long BytesRead, bool Reading, int Queued)>(
            pieces.Writer, () => (source.BytesRead, source.Reading, pieces.Reader.Count));
        var pump = OutputPump.Run(source, LogStream.Stdout, output, CancellationToken.None);

        var write = pipe.Writer.WriteAsync(data).AsTask();

        // The pump is held in its write of the second full piece, one piece already in the channel.
        var blocked = await output.FirstWait.WaitAsync(Deadline);
        Assert.Equal(1, blocked.Queued);
        Assert.False(blocked.Reading, "a read of the source was outstanding while the pump waited for room in the channel");
        // Past the two pieces: at most the rest of the one read (16 KiB at the most) that completed the second.
        Assert.InRange(blocked.BytesRead, 2 * Piece, 2 * Piece + 16 * 1024 - 1);
        var readSince = source.BytesRead;
        Assert.True(output.Waiting, "the pump's write went through although no piece was taken");
        Assert.Equal(blocked.BytesRead, readSince);
        Assert.False(write.IsCompleted, "the writer was never paused: its bytes were read although the channel was full");
        var readWhenBlocked = blocked.BytesRead;

        var first = await pieces.Reader.ReadAsync();
        await Eventually.Get(() => Task.FromResult(source.BytesRead), read => read > readWhenBlocked, Deadline, "the pump to read again");

        var rest = ReadAll(pieces.Reader);
        await write.WaitAsync(Deadline);
        await pipe.Writer.CompleteAsync();
        await pump.WaitAsync(Deadline);
        pieces.Writer.Complete();
        var received = (await rest.WaitAsync(Deadline)).Prepend(first).ToList();

        Assert.Equal(data, received.SelectMany(p => p.Data).ToArray());
        Assert.All(received, p => Assert.Equal(Piece, p.Data.Length));
    }

    static async Task<List<OutputPiece>> ReadAll(ChannelReader<OutputPiece> reader)
    {
        var pieces = new List<OutputPiece>();
        await foreach (var piece in reader.ReadAllAsync())
            pieces.Add(piece);
        return pieces;
    }

    static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
