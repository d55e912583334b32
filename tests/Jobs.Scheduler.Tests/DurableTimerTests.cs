using System.Collections.Concurrent;
using Jobs.Scheduler.Timers;
using Jobs.Testing;
using MassTransit;
using MassTransit.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Quartz;

namespace Jobs.Scheduler.Tests;

/// <summary>
/// The Scheduler's durable timers (Quartz on PostgreSQL behind MassTransit's scheduling messages), in a host of the
/// test's own on a real PostgreSQL database and a fresh RabbitMQ virtual host.
/// </summary>
public sealed class DurableTimerTests : IAsyncLifetime
{
    static readonly Uri ProbeQueue = new("queue:durable-timer-probe");
    static readonly TimeSpan ClockSlack = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    ServerEndpoints servers = null!;
    TestDatabase database = null!;
    TestVirtualHost virtualHost = null!;
    NpgsqlDataSource dataSource = null!;
    readonly List<IHost> hosts = [];

    public async Task InitializeAsync()
    {
        servers = await TestServers.Get();
        database = await SchedulerDatabase.Create();
        virtualHost = await TestVirtualHost.Create(servers);
        dataSource = database.CreateDataSource();
    }

    public async Task DisposeAsync()
    {
        foreach (var host in hosts)
        {
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(20));
            }
            catch (ObjectDisposedException)
            {
                // Already stopped and disposed by the test.
            }
            host.Dispose();
        }
        await dataSource.DisposeAsync();
        await virtualHost.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task ScheduledMessage_IsDeliveredOnceAtItsTime_WithItsToken()
    {
        var (host, probes) = await StartHost();
        var id = Guid.NewGuid();
        var due = DateTime.UtcNow.AddSeconds(2);

        var scheduled = await Schedule(host, due, id);

        var received = await Eventually.Get(() => Task.FromResult(probes.For(id)), r => r.Count > 0, Deadline, $"probe {id}");
        await Task.Delay(TimeSpan.FromSeconds(2)); // any duplicate would come right behind it
        var delivery = Assert.Single(probes.For(id));
        Assert.True(delivery.ReceivedAt >= due - ClockSlack, $"delivered at {delivery.ReceivedAt:O}, due {due:O}");
        Assert.Equal(scheduled.TokenId, delivery.TokenId);
        Assert.NotEqual(Guid.Empty, scheduled.TokenId);
        Assert.Single(received);
    }

    [Fact]
    public async Task CanceledBeforeItsTime_IsNeverDelivered()
    {
        var (host, probes) = await StartHost();
        var id = Guid.NewGuid();
        var due = DateTime.UtcNow.AddSeconds(3);

        var scheduled = await Schedule(host, due, id);
        // The cancel must not overtake the schedule here (that is the other test): wait until the trigger exists.
        await Eventually.Get(() => TriggerCount(scheduled.TokenId), n => n == 1, Deadline, "the trigger to be stored");
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<IMessageScheduler>().CancelScheduledSend(ProbeQueue, scheduled.TokenId);

        await Eventually.Get(() => TriggerCount(scheduled.TokenId), n => n == 0, Deadline, "the trigger to be removed");
        await WaitUntil(due.AddSeconds(4));
        Assert.Empty(probes.For(id));
        Assert.Equal(0L, await Scalar<long>("SELECT count(*) FROM scheduler.canceled_schedules"));
    }

    [Fact]
    public async Task CancelArrivingBeforeItsSchedule_KeepsItFromEverBeingDelivered()
    {
        var (host, probes) = await StartHost();
        var bus = host.Services.GetRequiredService<IBus>();
        var tokenId = NewId.NextGuid();
        var id = Guid.NewGuid();
        var due = DateTime.UtcNow.AddSeconds(3);

        await bus.Publish<CancelScheduledMessage>(new { CorrelationId = NewId.NextGuid(), Timestamp = DateTime.UtcNow, TokenId = tokenId });
        await Eventually.Get(
            () => Scalar<long>("SELECT count(*) FROM scheduler.canceled_schedules WHERE token_id = @p", tokenId),
            n => n == 1, Deadline, "the early cancel to be remembered");

        await bus.Publish<ScheduleMessage>(new ProbeSchedule(tokenId, due, ProbeQueue, new DurableTimerProbe(id)));

        await WaitUntil(due.AddSeconds(4));
        Assert.Empty(probes.For(id));
        Assert.Equal(0, await TriggerCount(tokenId));
    }

    [Fact]
    public async Task OwnScheduleMessageImplementation_IsDelivered()
    {
        // The control for the test above: the same hand-made ScheduleMessage, without the early cancel, is delivered.
        var (host, probes) = await StartHost();
        var tokenId = NewId.NextGuid();
        var id = Guid.NewGuid();

        await host.Services.GetRequiredService<IBus>()
            .Publish<ScheduleMessage>(new ProbeSchedule(tokenId, DateTime.UtcNow.AddSeconds(1), ProbeQueue, new DurableTimerProbe(id)));

        await Eventually.Get(() => Task.FromResult(probes.For(id)), r => r.Count > 0, Deadline, $"probe {id}");
        Assert.Equal(tokenId, Assert.Single(probes.For(id)).TokenId);
    }

    [Fact]
    public async Task Schedule_SurvivesARestartOfTheHost()
    {
        var (first, firstProbes) = await StartHost();
        var id = Guid.NewGuid();
        var due = DateTime.UtcNow.AddSeconds(4);

        var scheduled = await Schedule(first, due, id);
        await Eventually.Get(() => TriggerCount(scheduled.TokenId), n => n == 1, Deadline, "the trigger to be stored");
        await first.StopAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(firstProbes.For(id));

        var (_, secondProbes) = await StartHost();

        await Eventually.Get(() => Task.FromResult(secondProbes.For(id)), r => r.Count > 0, Deadline, $"probe {id} after the restart");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var delivery = Assert.Single(secondProbes.For(id));
        Assert.Empty(firstProbes.For(id));
        Assert.Equal(scheduled.TokenId, delivery.TokenId);
        Assert.True(delivery.ReceivedAt >= due - ClockSlack, $"delivered at {delivery.ReceivedAt:O}, due {due:O}");
    }

    [Fact]
    public async Task TwoClusteredHosts_DeliverEachScheduledMessageExactlyOnce()
    {
        var (first, firstProbes) = await StartHost();
        var (second, secondProbes) = await StartHost();
        var firstInstance = (await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).SchedulerInstanceId;
        var secondInstance = (await second.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).SchedulerInstanceId;
        Assert.NotEqual(firstInstance, secondInstance);
        // Both nodes check in to the same cluster (a node's first check-in may lag its start a little).
        await Eventually.Get(() => Scalar<long>("SELECT count(*) FROM scheduler.qrtz_scheduler_state"), n => n == 2, Deadline, "two cluster nodes");
        var ids = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();
        var due = DateTime.UtcNow.AddSeconds(3);

        // Half scheduled through each host; both consume the same schedule-message queue and share the Quartz tables.
        for (var i = 0; i < ids.Count; i++)
            await Schedule(i % 2 == 0 ? first : second, due, ids[i]);

        int Delivered() => ids.Count(id => firstProbes.For(id).Count + secondProbes.For(id).Count > 0);
        await Eventually.Get(() => Task.FromResult(Delivered()), n => n == ids.Count, Deadline, "all 10 probes");
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var id in ids)
            Assert.Equal(1, firstProbes.For(id).Count + secondProbes.For(id).Count);
    }

    async Task<(IHost Host, ProbeLog Probes)> StartHost()
    {
        var builder = Host.CreateApplicationBuilder();
        // Each test has a fresh virtual host: nothing may be published before the endpoints have bound their queues.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Configuration["ConnectionStrings:Jobs"] = database.ConnectionString;
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(database.ConnectionString));
        builder.Services.AddSingleton<ProbeLog>();
        builder.AddDurableTimers();
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddConsumer<ScheduleMessageConsumer>();
            x.AddConsumer<DurableTimerProbeConsumer>().Endpoint(e => e.Name = "durable-timer-probe");
            x.AddPublishMessageScheduler();
            x.UsingRabbitMq((context, bus) =>
            {
                bus.Host(servers.RabbitHost, (ushort)servers.RabbitPort, virtualHost.Name, h =>
                {
                    h.Username(servers.RabbitUser);
                    h.Password(servers.RabbitPassword);
                });
                bus.UsePublishMessageScheduler();
                bus.ConfigureEndpoints(context);
            });
        });
        var host = builder.Build();
        hosts.Add(host);
        await host.StartAsync();
        return (host, host.Services.GetRequiredService<ProbeLog>());
    }

    static async Task<ScheduledMessage<DurableTimerProbe>> Schedule(IHost host, DateTime due, Guid id)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var scheduler = scope.ServiceProvider.GetRequiredService<IMessageScheduler>();
        return await scheduler.ScheduleSend(ProbeQueue, due, new DurableTimerProbe(id));
    }

    Task<long> TriggerCount(Guid tokenId) => Scalar<long>(
        "SELECT count(*) FROM scheduler.qrtz_triggers WHERE trigger_name = @p AND trigger_group = 'jobs'", tokenId.ToString("N"));

    async Task<T> Scalar<T>(string sql, object? parameter = null)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (parameter is not null)
            command.Parameters.AddWithValue("p", parameter);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    static async Task WaitUntil(DateTime utc)
    {
        var left = utc - DateTime.UtcNow;
        if (left > TimeSpan.Zero)
            await Task.Delay(left);
    }

    sealed record ProbeSchedule(Guid CorrelationId, DateTime ScheduledTime, Uri Destination, object Payload) : ScheduleMessage
    {
        public string[] PayloadType { get; } = [MessageUrn.ForTypeString<DurableTimerProbe>()];
    }
}

public sealed record DurableTimerProbe(Guid Id);

public sealed record ProbeDelivery(Guid Id, DateTime ReceivedAt, Guid? TokenId);

/// <summary>What the probe consumer of one host received.</summary>
public sealed class ProbeLog
{
    readonly ConcurrentQueue<ProbeDelivery> deliveries = new();

    public void Add(ProbeDelivery delivery) => deliveries.Enqueue(delivery);

    public IReadOnlyList<ProbeDelivery> For(Guid id) => deliveries.Where(d => d.Id == id).ToList();
}

public sealed class DurableTimerProbeConsumer(ProbeLog log) : IConsumer<DurableTimerProbe>
{
    public Task Consume(ConsumeContext<DurableTimerProbe> context)
    {
        var header = context.Headers.Get<string>(ScheduledMessageData.TokenHeader);
        log.Add(new ProbeDelivery(context.Message.Id, DateTime.UtcNow, Guid.TryParse(header, out var token) ? token : null));
        return Task.CompletedTask;
    }
}
