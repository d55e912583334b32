using System.Text;
using Jobs.Contracts;
using Jobs.LogSink.Consumers;
using Jobs.LogSink.Storage;
using Jobs.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Jobs.LogSink.Tests;

public sealed class LogChunkBatchConsumerTests : IAsyncLifetime
{
    /// <summary>Given to the harness's message lists, it makes them answer with what they hold now instead of waiting for more.</summary>
    static readonly CancellationToken SoFar = new(canceled: true);

    readonly LogsDatabase database = new();

    public Task InitializeAsync() => database.InitializeAsync();

    public Task DisposeAsync() => database.DisposeAsync();

    [Fact]
    public async Task ThousandChunksWithDuplicates_EachDistinctChunkIsStoredOnce()
    {
        await using var provider = new ServiceCollection()
            .AddSingleton(database.DataSource)
            .AddSingleton<LogChunkWriter>()
            .AddMassTransitTestHarness(x => x.AddConsumer<LogChunkBatchConsumer, LogChunkBatchConsumerDefinition>())
            .BuildServiceProvider(validateScopes: true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var jobs = new[] { Guid.NewGuid(), Guid.NewGuid() };
        var distinct = jobs.SelectMany(job => Enumerable.Range(0, 400).Select(seq => Chunk(job, seq))).ToList();
        // Redeliveries: 200 repeats, some next to their original (same batch), some far from it (another batch).
        var random = new Random(6);
        var messages = distinct.Concat(Enumerable.Range(0, 200).Select(_ => distinct[random.Next(distinct.Count)]))
            .OrderBy(_ => random.Next())
            .ToList();
        Assert.Equal(1000, messages.Count);

        await harness.Bus.PublishBatch(messages);

        var consumer = harness.GetConsumerHarness<LogChunkBatchConsumer>();
        var batchSizes = await Eventually.Get(
            () => Task.FromResult(consumer.Consumed.Select<Batch<JobLogChunk>>(SoFar).Select(b => b.Context.Message.Length).ToList()),
            sizes => sizes.Sum() >= messages.Count,
            TimeSpan.FromSeconds(60),
            "all 1,000 chunks to be consumed");
        Assert.False(harness.Published.Select<Fault<JobLogChunk>>(SoFar).Any(), "a batch failed");
        Assert.Equal(messages.Count, batchSizes.Sum());
        Assert.All(batchSizes, size => Assert.InRange(size, 1, 500));
        var rows = await database.Stored();
        Assert.Equal(
            distinct.Select(c => (c.JobId, c.Seq, Encoding.UTF8.GetString(c.Data))).Order(),
            rows.Select(r => (r.JobId, r.Seq, Encoding.UTF8.GetString(r.Data))).Order());
    }

    static JobLogChunk Chunk(Guid job, int seq) => new(
        job, 1, seq, seq % 3 == 0 ? LogStream.Stderr : LogStream.Stdout, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes($"{job} {seq}\n"));
}
