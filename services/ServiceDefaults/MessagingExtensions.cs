using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jobs.ServiceDefaults;

/// <summary>MassTransit on RabbitMQ from configuration, with the defaults every Jobs endpoint shares.</summary>
public static class MessagingExtensions
{
    public static IHostApplicationBuilder AddJobsMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator> registrations,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                // Durable endpoints are quorum queues: replicated on a cluster, and poison-message aware.
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    rabbit.SetQuorumQueue();
            });

            registrations(x);

            x.UsingRabbitMq((context, bus) =>
            {
                bus.UseJobsRabbitMq(builder);
                bus.UseConsumeFilter(typeof(ConsumeTelemetryFilter<>), context);
                configureBus?.Invoke(context, bus);
                bus.ConfigureEndpoints(context);
            });
        });

        return builder;
    }

    /// <summary>
    /// For a service whose consumers finish in moments (every one but the executor, whose consumers last as long as
    /// their job): how long an endpoint that lost its channel waits for its deliveries in flight before it reconnects
    /// anyway. Unbounded (MassTransit's default), one delivery that never completes keeps the endpoint from ever
    /// reconnecting: it consumes nothing more, and its queue fills while /health says healthy (scenario 5 caught the
    /// saga's endpoint so after a broker kill; which delivery hung was not caught, EndpointStopTests shows the mechanism). A
    /// delivery given up this way was never acknowledged, so the broker delivers it again, and every handler takes a
    /// repeat. Also bounds how long stopping the bus at shutdown waits for them.
    /// </summary>
    public static IHostApplicationBuilder BoundEndpointStops(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.ConsumerStopTimeout = ConsumerStopTimeout;
            options.StopTimeout = EndpointStopTimeout;
        });
        return builder;
    }

    /// <summary>When the deliveries still in flight on a stopping endpoint are told to cancel.</summary>
    public static readonly TimeSpan ConsumerStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>When a stopping endpoint stops waiting for its deliveries in flight.</summary>
    public static readonly TimeSpan EndpointStopTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The broker from the <c>RabbitMq</c> configuration section and the retry every Jobs bus shares
    /// (<see cref="UseJobsRetry"/>); for a second bus of a service, <paramref name="purpose"/> names its connection apart.
    /// </summary>
    public static void UseJobsRabbitMq(this IRabbitMqBusFactoryConfigurator bus, IHostApplicationBuilder builder, string? purpose = null)
    {
        var options = builder.Configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        bus.Host(options.Host, options.Port, options.VirtualHost, host =>
        {
            host.Username(options.Username);
            host.Password(options.Password);
            // Names the connection in the broker's management UI: which service (and bus), on which host, which process.
            host.ConnectionName($"{builder.Environment.ApplicationName}{(purpose is null ? "" : $" {purpose}")} {Environment.MachineName} pid {Environment.ProcessId}");
        });
        bus.UseJobsRetry();
    }

    /// <summary>
    /// The retry every Jobs bus shares, as the outermost filter of every endpoint: a retry re-runs the whole consume,
    /// including a saga's repository transaction and its outbox. The first policy (about 9 s in all) takes every failure
    /// but the database's being away; the second, inside it, takes only that one, for as long as a restart or a
    /// failover takes, so no message is parked in an _error queue while PostgreSQL is down. Retry filters do not stack:
    /// once the inner one has given up, the outer rethrows, so each failure has one budget.
    /// </summary>
    /// <param name="observer">Told of every retry of either policy, if given (tests use it to see which failures were retried).</param>
    public static void UseJobsRetry(this IBusFactoryConfigurator bus, IRetryObserver? observer = null)
    {
        bus.UseMessageRetry(retry =>
        {
            retry.Intervals(ShortRetryIntervals);
            if (observer is not null)
                retry.ConnectRetryObserver(observer);
        });
        bus.UseMessageRetry(retry =>
        {
            retry.Handle<Exception>(TransientDatabaseFailure.Is);
            retry.Intervals(DatabaseAwayRetryIntervals);
            if (observer is not null)
                retry.ConnectRetryObserver(observer);
        });
    }

    /// <summary>Conflicts, a lost race, a broker hiccup: about 9 s in all.</summary>
    public static readonly TimeSpan[] ShortRetryIntervals = [.. new[] { 20, 50, 100, 250, 500, 1000, 2000, 5000 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    /// <summary>The database away: every 0.1 s at first, then every 5 s, for 5 minutes in all.</summary>
    public static readonly TimeSpan[] DatabaseAwayRetryIntervals =
        [.. new[] { 100, 250, 500, 1000, 2000 }.Select(ms => TimeSpan.FromMilliseconds(ms)), .. Enumerable.Repeat(TimeSpan.FromSeconds(5), 59)];
}
