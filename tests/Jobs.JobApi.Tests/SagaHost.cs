using Jobs.JobApi.Data;
using Jobs.JobApi.Persistence;
using Jobs.JobApi.StateMachines;
using Jobs.ServiceDefaults;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Machine = Jobs.JobApi.StateMachines.JobStateMachine;

namespace Jobs.JobApi.Tests;

/// <summary>
/// One JobApi process as far as the saga goes: the production state machine, definition and EF Core repository, on the
/// test harness over RabbitMQ, with the bus settings of <c>AddJobsMessaging</c> (its retry is production's own,
/// <c>UseJobsRetry</c>). Several on one database and virtual host compete for the saga queue like replicas do.
/// </summary>
sealed class SagaHost : IAsyncDisposable
{
    readonly ServiceProvider provider;

    SagaHost(ServiceProvider provider, RetryLog retries)
    {
        this.provider = provider;
        Harness = provider.GetRequiredService<ITestHarness>();
        Retries = retries;
    }

    public ITestHarness Harness { get; }

    /// <summary>What the bus-level retry policies caught and retried.</summary>
    public RetryLog Retries { get; }

    /// <param name="fixture">The servers, database and virtual host.</param>
    /// <param name="inside">A filter of every endpoint, inside the bus-level retry, around the saga and its repository, if any.</param>
    public static async Task<SagaHost> Start(ServersFixture fixture, IFilter<ConsumeContext>? inside = null)
    {
        var servers = fixture.Servers;
        var retries = new RetryLog();
        var services = new ServiceCollection();
        services.AddDbContextFactory<JobApiDbContext>(fixture.UseDatabase);
        services.AddMassTransitTestHarness(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    rabbit.SetQuorumQueue();
                if (inside is not null)
                    endpoint.UseFilter(inside);
            });
            x.AddSagaStateMachine<Machine, JobState, JobStateDefinition>().EfCoreRepository<JobState, JobApiDbContext>();
            x.UsingRabbitMq((context, bus) =>
            {
                bus.Host(servers.RabbitHost, (ushort)servers.RabbitPort, fixture.VirtualHost.Name, host =>
                {
                    host.Username(servers.RabbitUser);
                    host.Password(servers.RabbitPassword);
                });
                bus.UseJobsRetry(retries);
                bus.ConfigureEndpoints(context);
            });
        });

        var host = new SagaHost(services.BuildServiceProvider(true), retries);
        await host.Harness.Start();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await provider.DisposeAsync();
    }
}
