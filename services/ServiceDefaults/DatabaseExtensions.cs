using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Jobs.ServiceDefaults;

/// <summary>The shared PostgreSQL database: one data source, one DbContext per owning service, migrations at start.</summary>
public static class DatabaseExtensions
{
    public const string ConnectionName = "Jobs";

    /// <summary>
    /// Registers the data source and <typeparamref name="TContext"/> on the service's own schema, a readiness check,
    /// and a start-up step that applies the context's migrations before anything else (the bus included) starts.
    /// </summary>
    public static IHostApplicationBuilder AddJobsDatabase<TContext>(this IHostApplicationBuilder builder, string schema)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not configured.");

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        builder.Services.AddDbContextFactory<TContext>((services, options) => options.UseNpgsql(
            services.GetRequiredService<NpgsqlDataSource>(),
            npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", schema)));
        builder.Services.AddHostedService<MigrateDatabase<TContext>>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "postgresql",
            services => new PostgresHealthCheck(services.GetRequiredService<NpgsqlDataSource>()),
            HealthStatus.Unhealthy,
            ["ready"]));
        return builder;
    }
}
