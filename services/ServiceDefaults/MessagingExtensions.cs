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
    /// The broker from the <c>RabbitMq</c> configuration section and the retry every Jobs bus shares; for a second bus
    /// of a service, <paramref name="purpose"/> names its connection apart.
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
        // Bus-level retry is the outermost filter of every endpoint: a retry re-runs the whole consume,
        // including a saga's repository transaction and its outbox.
        bus.UseMessageRetry(retry => retry.Intervals(20, 50, 100, 250, 500, 1000, 2000, 5000));
    }
}
