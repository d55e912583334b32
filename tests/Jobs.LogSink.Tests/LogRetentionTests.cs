using Jobs.Contracts;
using Jobs.LogSink.Retention;
using Jobs.LogSink.Storage;
using Microsoft.Extensions.Options;

namespace Jobs.LogSink.Tests;

public sealed class LogRetentionTests : IAsyncLifetime
{
    readonly LogsDatabase database = new();

    public Task InitializeAsync() => database.InitializeAsync();

    public Task DisposeAsync() => database.DisposeAsync();

    [Fact]
    public async Task Sweep_DeletesTheOutputOfJobsEndedLongerAgoThanTheRetentionInBatchesAndKeepsTheRest()
    {
        var retention = Retention(TimeSpan.FromDays(7), batchSize: 7);
        var old = Guid.NewGuid();
        var recent = Guid.NewGuid();
        var running = Guid.NewGuid();
        var writer = new LogChunkWriter(database.DataSource);
        await writer.Write([.. Chunks(old, 30), .. Chunks(recent, 5), .. Chunks(running, 5)], default);
        await retention.RecordEnded(old, DateTimeOffset.UtcNow.AddDays(-8), default);
        await retention.RecordEnded(recent, DateTimeOffset.UtcNow.AddDays(-1), default);

        var deleted = await retention.Sweep(default);

        Assert.Equal(30, deleted);
        var left = (await database.Stored()).GroupBy(c => c.JobId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<Guid, int> { [recent] = 5, [running] = 5 }, left);
    }

    [Fact]
    public async Task RecordEndedTwice_KeepsTheFirstTime()
    {
        var retention = Retention(TimeSpan.FromDays(7));
        var job = Guid.NewGuid();
        await new LogChunkWriter(database.DataSource).Write([.. Chunks(job, 3)], default);
        await retention.RecordEnded(job, DateTimeOffset.UtcNow.AddDays(-8), default);
        await retention.RecordEnded(job, DateTimeOffset.UtcNow, default);

        Assert.Equal(3, await retention.Sweep(default));
    }

    [Fact]
    public async Task NoRetention_KeepsEverything()
    {
        var retention = Retention(null);
        var job = Guid.NewGuid();
        await new LogChunkWriter(database.DataSource).Write([.. Chunks(job, 3)], default);
        await retention.RecordEnded(job, DateTimeOffset.UtcNow.AddYears(-5), default);

        Assert.Equal(0, await retention.Sweep(default));
        Assert.Equal(3, (await database.Stored()).Count);
    }

    LogRetention Retention(TimeSpan? keep, int batchSize = 5000) =>
        new(database.DataSource, Options.Create(new RetentionOptions { Retention = keep, BatchSize = batchSize }));

    static IEnumerable<JobLogChunk> Chunks(Guid job, int count) =>
        Enumerable.Range(0, count).Select(seq => new JobLogChunk(job, 1, seq, LogStream.Stdout, DateTimeOffset.UtcNow, [(byte)seq]));
}
