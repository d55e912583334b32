using System.Collections.Concurrent;
using Jobs.ServiceDefaults;
using Jobs.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jobs.JobApi.Tests;

/// <summary>
/// An endpoint whose connection drops while one of its deliveries never completes (what a publish or acknowledgement
/// left waiting on a dead connection does) still reconnects and consumes again, with the bus configured as JobApi,
/// the Scheduler and LogSink configure theirs (<see cref="MessagingExtensions.BoundEndpointStops"/>). Unbounded, the
/// endpoint waits for that delivery for good and never consumes again. Real RabbitMQ, a virtual host of its own.
/// </summary>
public sealed class EndpointStopTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    [Fact]
    public async Task ConnectionLostWhileADeliveryHangs_TheEndpointReconnectsAndConsumesAgain()
    {
        var probe = new Probe();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["RabbitMq:Host"] = fixture.Servers.RabbitHost;
        builder.Configuration["RabbitMq:Port"] = fixture.Servers.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["RabbitMq:VirtualHost"] = fixture.VirtualHost.Name;
        builder.Configuration["RabbitMq:Username"] = fixture.Servers.RabbitUser;
        builder.Configuration["RabbitMq:Password"] = fixture.Servers.RabbitPassword;
        builder.Services.AddSingleton(probe);
        builder.AddJobsMessaging(x => x.AddConsumer<StuckOrPromptConsumer>());
        builder.BoundEndpointStops();
        // The queue is bound before the first publish.
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);

        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            await bus.Publish(new Probe.Message("stuck"));
            await probe.Seen("stuck").WaitAsync(TimeSpan.FromSeconds(30));

            // The broker drops the connection (as when it is killed) while that delivery is still in the consumer.
            var closed = await Eventually.Get(() => fixture.VirtualHost.CloseConnections(Environment.ProcessId), n => n > 0, TimeSpan.FromSeconds(30), "the bus's connection listed by the broker");
            Assert.True(closed > 0);

            // Published from outside the bus (its own publishes may wait on the dropped connection): consumed on the same endpoint.
            await fixture.VirtualHost.PublishEnvelope("stuck-or-prompt", "urn:message:Jobs.JobApi.Tests:EndpointStopTests+Probe+Message", new { name = "after" });
            await probe.Seen("after").WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            probe.Release();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(stop.Token);
        }
    }

    public sealed class Probe
    {
        public sealed record Message(string Name);

        readonly ConcurrentDictionary<string, TaskCompletionSource> seen = new();
        readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen(string name) => Tcs(name).Task;

        public void Saw(string name) => Tcs(name).TrySetResult();

        /// <summary>Never completes until the test ends, and ignores cancellation: a delivery that hangs.</summary>
        public Task Hang() => released.Task;

        public void Release() => released.TrySetResult();

        TaskCompletionSource Tcs(string name) => seen.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public sealed class StuckOrPromptConsumer(Probe probe) : IConsumer<Probe.Message>
    {
        public async Task Consume(ConsumeContext<Probe.Message> context)
        {
            probe.Saw(context.Message.Name);
            if (context.Message.Name == "stuck" && !context.ReceiveContext.Redelivered)
                await probe.Hang();
        }
    }
}
