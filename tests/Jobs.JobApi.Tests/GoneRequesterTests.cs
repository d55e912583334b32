using Jobs.Contracts;
using MassTransit;

namespace Jobs.JobApi.Tests;

/// <summary>
/// A JobApi replica killed with requests in flight: the saga answers them to the replica's response exchange, which the
/// broker removed with the replica's connection. Sending there closes the channel (404); the saga must go on consuming.
/// </summary>
public sealed class GoneRequesterTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    static readonly JobSpec Spec = new("true", [], false, "default");
    static readonly int Load = int.Parse(Environment.GetEnvironmentVariable("JOBS_GONE_LOAD") ?? "50", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task AnswersToARequesterThatIsGone_TheSagaStillAnswersTheOthers()
    {
        await using var host = await SagaHost.Start(fixture);
        var gone = await Requester();
        Uri goneAddress;
        try
        {
            // The saga has answered this requester once, so its channel knows the exchange.
            await gone.CreateRequestClient<SubmitJob>().GetResponse<JobAccepted>(new SubmitJob(NewId.NextGuid(), Spec, DateTimeOffset.UtcNow));
            goneAddress = gone.Address;
        }
        finally
        {
            await gone.StopAsync();
        }

        var sagaQueue = await host.Harness.Bus.GetSendEndpoint(new Uri("exchange:job-saga"));
        var client = host.Harness.GetRequestClient<SubmitJob>();
        // Answers for the gone requester among answers for a live one, many at once, as under load.
        var live = Enumerable.Range(0, Load).Select(_ => client.GetResponse<JobAccepted>(new SubmitJob(NewId.NextGuid(), Spec, DateTimeOffset.UtcNow), timeout: RequestTimeout.After(s: 60))).ToList();
        await Task.WhenAll(Enumerable.Range(0, Load).Select(_ => sagaQueue.Send(new SubmitJob(NewId.NextGuid(), Spec, DateTimeOffset.UtcNow), context =>
        {
            context.RequestId = NewId.NextGuid();
            context.ResponseAddress = goneAddress;
        })));
        await Task.WhenAll(live);

        for (var i = 0; i < 5; i++)
        {
            var accepted = await client.GetResponse<JobAccepted>(new SubmitJob(NewId.NextGuid(), Spec, DateTimeOffset.UtcNow), timeout: RequestTimeout.After(s: 30));
            Assert.Equal("Pending", accepted.Message.Status);
        }
    }

    async Task<IBusControl> Requester()
    {
        var servers = fixture.Servers;
        var bus = Bus.Factory.CreateUsingRabbitMq(bus => bus.Host(servers.RabbitHost, (ushort)servers.RabbitPort, fixture.VirtualHost.Name, h =>
        {
            h.Username(servers.RabbitUser);
            h.Password(servers.RabbitPassword);
        }));
        await bus.StartAsync();
        return bus;
    }
}
