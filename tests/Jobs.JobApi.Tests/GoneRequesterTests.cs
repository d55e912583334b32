using System.Globalization;
using Jobs.Contracts;
using Jobs.JobApi.Data;
using Jobs.JobApi.Persistence;
using Jobs.JobApi.StateMachines;
using Jobs.ServiceDefaults;
using Jobs.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Machine = Jobs.JobApi.StateMachines.JobStateMachine;

namespace Jobs.JobApi.Tests;

/// <summary>
/// A JobApi replica that goes with submits still queued (scenario 9 kills one): the surviving replica's saga answers
/// them, and those answers have nowhere to go. They used to go to the gone replica's own response exchange, which the
/// broker had removed with its connection; each closed the saga's channel (404), and under load that wedged the
/// survivor's connection, so its own submits timed out for minutes. Both replicas here are set up as JobApi is
/// (<c>AddJobsMessaging</c>, the EF saga, <see cref="ReplyEndpoint"/>), on the real broker and database.
/// </summary>
public sealed class GoneRequesterTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    const int Load = 300;
    static readonly JobSpec Spec = new("true", [], false, "default");

    [Fact]
    public async Task RequestsQueuedByARequesterThatIsGone_AreAcceptedAndTheSurvivorAnswersItsOwn()
    {
        // The saga's queue and bindings, as a replica declares them; it then stops, so what comes next waits there.
        using (var first = await Replica(saga: true))
            await first.StopAsync();

        // A replica sends its submits and goes (killed, scaled in) before any is answered: its connection closes, and
        // its reply queue and binding with it.
        var goneJobs = Enumerable.Range(0, Load).Select(_ => NewId.NextGuid()).ToList();
        using (var gone = await Replica(saga: false))
        {
            var client = gone.Services.GetRequiredService<IRequestClient<SubmitJob>>();
            var requests = goneJobs.Select(id => client.Create(Submit(id))).ToList();
            // A request goes out once its caller waits for an answer; Message is done once the broker confirmed it.
            var answers = requests.Select(r => r.GetResponse<JobAccepted>()).ToList();
            await Task.WhenAll(requests.Select(r => r.Message));
            await gone.StopAsync();
            foreach (var request in requests)
                request.Dispose();
            await Task.WhenAll(answers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }

        // The survivor answers every one of those into nothing, while its own submits come and go.
        using var survivor = await Replica(saga: true);
        var own = survivor.Services.GetRequiredService<IRequestClient<SubmitJob>>();
        var live = await Task.WhenAll(Enumerable.Range(0, Load).Select(_ => own.GetResponse<JobAccepted>(Submit(NewId.NextGuid()))));
        Assert.All(live, a => Assert.Equal("Pending", a.Message.Status));
        // What the gone replica queued is not lost with it.
        await Eventually.Get(() => Accepted(goneJobs), count => count == Load, TimeSpan.FromSeconds(60), $"the {Load} jobs of the gone requester to be accepted");
        for (var i = 0; i < 3; i++)
            Assert.Equal("Pending", (await own.GetResponse<JobAccepted>(Submit(NewId.NextGuid()))).Message.Status);
        await survivor.StopAsync();
    }

    static SubmitJob Submit(Guid id) => new(id, Spec, DateTimeOffset.UtcNow);

    async Task<int> Accepted(IReadOnlyCollection<Guid> ids)
    {
        await using var db = fixture.CreateDbContext();
        return await db.Set<JobState>().CountAsync(j => ids.Contains(j.CorrelationId));
    }

    /// <summary>A JobApi's bus: its saga if <paramref name="saga"/>, and its request client, answered through the reply endpoint.</summary>
    async Task<IHost> Replica(bool saga)
    {
        var servers = fixture.Servers;
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["RabbitMq:Host"] = servers.RabbitHost;
        builder.Configuration["RabbitMq:Port"] = servers.RabbitPort.ToString(CultureInfo.InvariantCulture);
        builder.Configuration["RabbitMq:VirtualHost"] = fixture.VirtualHost.Name;
        builder.Configuration["RabbitMq:Username"] = servers.RabbitUser;
        builder.Configuration["RabbitMq:Password"] = servers.RabbitPassword;
        builder.Services.AddDbContextFactory<JobApiDbContext>(fixture.UseDatabase);
        builder.AddJobsMessaging(x =>
        {
            if (saga)
                x.AddSagaStateMachine<Machine, JobState, JobStateDefinition>().EfCoreRepository<JobState, JobApiDbContext>();
        }, (_, bus) => bus.UsePublishMessageScheduler());
        builder.BoundEndpointStops();
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        builder.Services.AddJobsReplyEndpoint().AddJobsRequestClient<SubmitJob>(TimeSpan.FromSeconds(30));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
