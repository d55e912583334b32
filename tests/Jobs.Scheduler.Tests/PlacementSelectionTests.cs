using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using Jobs.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Jobs.Scheduler.Tests;

/// <summary>Which waiting attempt goes first (priority) and which executors may take it (labels).</summary>
public sealed class PlacementSelectionTests : IAsyncLifetime
{
    static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly HostFacts Host = new("host", "linux", 2, 1 << 30);

    TestDatabase database = null!;
    NpgsqlDataSource dataSource = null!;
    PlacementStore store = null!;

    public async Task InitializeAsync()
    {
        database = await SchedulerDatabase.Create();
        dataSource = database.CreateDataSource();
        store = new PlacementStore(dataSource, Options.Create(new SchedulerOptions()));
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task HigherPriority_IsPlacedBeforeOlderRequests()
    {
        await Heartbeat("e1", slots: 1, []);
        var older = Guid.NewGuid();
        var urgent = Guid.NewGuid();
        await store.Request(new PlaceJob(older, 1, "default", Start), default);
        await store.Request(new PlaceJob(urgent, 1, "default", Start.AddSeconds(1)) { Priority = 10 }, default);

        var placed = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(urgent, 1, "e1")], placed);
    }

    [Fact]
    public async Task EqualPriority_KeepsSubmitOrder()
    {
        await Heartbeat("e1", slots: 1, []);
        var first = Guid.NewGuid();
        await store.Request(new PlaceJob(Guid.NewGuid(), 1, "default", Start.AddSeconds(1)) { Priority = 5 }, default);
        await store.Request(new PlaceJob(first, 1, "default", Start) { Priority = 5 }, default);

        Assert.Equal([new JobPlaced(first, 1, "e1")], await store.PlaceWaiting(default));
    }

    [Fact]
    public async Task RequiredLabels_OnlyGoToExecutorsCarryingThem()
    {
        await Heartbeat("plain", slots: 4, []);
        await Heartbeat("gpu", slots: 1, new Dictionary<string, string> { ["gpu"] = "true", ["zone"] = "b" });
        var job = Guid.NewGuid();
        await store.Request(new PlaceJob(job, 1, "default", Start) { ExecutorLabels = new Dictionary<string, string> { ["gpu"] = "true" } }, default);

        Assert.Equal([new JobPlaced(job, 1, "gpu")], await store.PlaceWaiting(default));
    }

    [Fact]
    public async Task RequiredLabelsNoExecutorCarries_WaitWhileOthersAreServed()
    {
        await Heartbeat("e1", slots: 2, new Dictionary<string, string> { ["zone"] = "a" });
        var unmatched = Guid.NewGuid();
        var plain = Guid.NewGuid();
        await store.Request(new PlaceJob(unmatched, 1, "default", Start) { ExecutorLabels = new Dictionary<string, string> { ["zone"] = "b" } }, default);
        await store.Request(new PlaceJob(plain, 1, "default", Start.AddSeconds(1)), default);

        var placed = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(plain, 1, "e1")], placed);
        await using var command = dataSource.CreateCommand("SELECT executor_id FROM scheduler.placements WHERE job_id = $1");
        command.Parameters.Add(new() { Value = unmatched });
        Assert.Equal(DBNull.Value, await command.ExecuteScalarAsync());
    }

    Task Heartbeat(string id, int slots, Dictionary<string, string> labels) =>
        store.RecordHeartbeat(new ExecutorHeartbeat(id, "default", labels, slots, [], Host, DateTimeOffset.UtcNow), default);
}
