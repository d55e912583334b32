using Jobs.Contracts;
using Jobs.LogSink.Storage;

namespace Jobs.LogSink.Tests;

public sealed class LogChunkWriterTests : IAsyncLifetime
{
    // Whole milliseconds: PostgreSQL keeps microseconds, DateTimeOffset keeps ticks.
    static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, 123, TimeSpan.Zero);

    readonly LogsDatabase database = new();
    readonly Guid job = Guid.NewGuid();
    LogChunkWriter writer = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        writer = new LogChunkWriter(database.DataSource);
    }

    public Task DisposeAsync() => database.DisposeAsync();

    [Fact]
    public async Task CommittedBatch_NotifiesEachOfItsJobsOnceAndARepeatNotifiesNothing()
    {
        var other = Guid.NewGuid();
        await using var listener = await database.DataSource.OpenConnectionAsync();
        var notified = new List<string>();
        listener.Notification += (_, e) => notified.Add(e.Payload);
        await using (var listen = new Npgsql.NpgsqlCommand($"LISTEN {Jobs.ServiceDefaults.LogNotifications.Channel}", listener))
            await listen.ExecuteNonQueryAsync();
        JobLogChunk[] batch = [Chunk(0, "a"u8.ToArray()), Chunk(1, "b"u8.ToArray()), Chunk(0, "c"u8.ToArray()) with { JobId = other }];

        await writer.Write(batch, default);
        await writer.Write(batch, default);
        await using (var flush = new Npgsql.NpgsqlCommand("SELECT 1", listener))
            await flush.ExecuteScalarAsync();

        Assert.Equal(new[] { job.ToString(), other.ToString() }.Order(), notified.Order());
    }

    [Fact]
    public async Task Batch_IsStoredByteExactIncludingBinaryAndEmptyData()
    {
        var allBytes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        JobLogChunk[] batch =
        [
            Chunk(0, "hello\n"u8.ToArray()),
            Chunk(1, [0xC3, 0x28, 0xFF, 0xFE, 0x00, 0x80, 0xED, 0xA0, 0x80], LogStream.Stderr),
            Chunk(2, []),
            Chunk(3, allBytes),
            Chunk(4, "\\x00 \\\\ '\"\r\n\t"u8.ToArray()),
        ];

        var stored = await writer.Write(batch, default);

        Assert.Equal(batch.Length, stored);
        var rows = await database.Stored();
        Assert.Equal(batch.Length, rows.Count);
        foreach (var (chunk, row) in batch.Zip(rows))
        {
            Assert.Equal((chunk.JobId, chunk.Attempt, chunk.Seq), (row.JobId, row.Attempt, row.Seq));
            Assert.Equal((short)chunk.Stream, row.Stream);
            Assert.Equal(chunk.Timestamp, row.Timestamp);
            Assert.Equal(chunk.Data, row.Data);
        }
    }

    [Fact]
    public async Task SameBatchTwice_StoresEachChunkOnceAndReportsNothingNewTheSecondTime()
    {
        var batch = Enumerable.Range(0, 20).Select(seq => Chunk(seq, Line(seq))).ToArray();

        var first = await writer.Write(batch, default);
        var second = await writer.Write(batch, default);

        Assert.Equal(20, first);
        Assert.Equal(0, second);
        Assert.Equal(20, await database.Count());
    }

    [Fact]
    public async Task DuplicatesWithinABatch_AreStoredOnce()
    {
        var otherAttempt = Chunk(1, Line(1)) with { Attempt = 2 };
        var otherJob = Chunk(1, Line(1)) with { JobId = Guid.NewGuid() };
        JobLogChunk[] batch =
        [
            Chunk(0, Line(0)), Chunk(1, Line(1)), Chunk(1, Line(1)), Chunk(2, Line(2)),
            Chunk(2, Line(2)), Chunk(2, Line(2)), otherAttempt, otherAttempt, otherJob,
        ];

        var stored = await writer.Write(batch, default);

        Assert.Equal(5, stored);
        var rows = await database.Stored();
        Assert.Equal(5, rows.Count);
        Assert.Equal(
            new[] { (job, 1, 0), (job, 1, 1), (job, 1, 2), (job, 2, 1), (otherJob.JobId, 1, 1) }.Order(),
            rows.Select(r => (r.JobId, r.Attempt, r.Seq)).Order());
    }

    [Fact]
    public async Task BatchOverlappingStoredChunks_StoresOnlyTheNewOnesAndKeepsTheStoredOnes()
    {
        await writer.Write([.. Enumerable.Range(0, 10).Select(seq => Chunk(seq, Line(seq)))], default);

        var overlapping = Enumerable.Range(5, 10).Select(seq => Chunk(seq, "second write"u8.ToArray())).ToArray();
        var stored = await writer.Write(overlapping, default);

        Assert.Equal(5, stored);
        var rows = await database.Stored();
        Assert.Equal(Enumerable.Range(0, 15), rows.Select(r => r.Seq));
        Assert.All(rows.Where(r => r.Seq < 10), r => Assert.Equal(Line(r.Seq), r.Data));
        Assert.All(rows.Where(r => r.Seq >= 10), r => Assert.Equal("second write"u8.ToArray(), r.Data));
    }

    [Fact]
    public async Task HundredChunksOf64KiB_RoundTrip()
    {
        var random = new Random(5);
        var batch = Enumerable.Range(0, 100).Select(seq =>
        {
            var data = new byte[64 * 1024];
            random.NextBytes(data);
            return Chunk(seq, data);
        }).ToArray();

        var stored = await writer.Write(batch, default);

        Assert.Equal(100, stored);
        var rows = await database.Stored();
        Assert.Equal(batch.Select(c => c.Data), rows.Select(r => r.Data));
    }

    [Fact]
    public async Task EmptyBatch_StoresNothing()
    {
        Assert.Equal(0, await writer.Write([], default));
        Assert.Equal(0, await database.Count());
    }

    [Fact]
    public async Task OverlappingBatchesWrittenAtOnce_StoreEachChunkOnce()
    {
        // The consumer writes up to two batches at once, and a redelivery can put one chunk in both.
        var other = new LogChunkWriter(database.DataSource);
        var stored = 0;
        for (var round = 0; round < 20; round++)
        {
            var left = Enumerable.Range(round * 100, 60).Select(seq => Chunk(seq, Line(seq))).ToArray();
            var right = Enumerable.Range(round * 100 + 40, 60).Select(seq => Chunk(seq, Line(seq))).ToArray();

            var counts = await Task.WhenAll(Task.Run(() => writer.Write(left, default)), Task.Run(() => other.Write(right, default)));

            Assert.Equal(100, counts.Sum());
            stored += 100;
            Assert.Equal(stored, await database.Count());
        }
    }

    JobLogChunk Chunk(int seq, byte[] data, LogStream stream = LogStream.Stdout) =>
        new(job, 1, seq, stream, Start.AddMilliseconds(seq), data);

    static byte[] Line(int seq) => System.Text.Encoding.UTF8.GetBytes($"line {seq}\n");
}
