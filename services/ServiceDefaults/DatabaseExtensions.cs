using System.Data.Common;
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

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(Tuned(connectionString)).Build());
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

    /// <summary>
    /// The pool's defaults for many short transactions, unless the connection string says otherwise: connections go
    /// back to the pool without <c>DISCARD ALL</c> (the services keep no session state on pooled connections; it was
    /// ten statements per job), which keeps the statements Npgsql prepares on a connection after their second use, so
    /// PostgreSQL parses and plans each hot statement once per connection instead of on every execution.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
            builder.NoResetOnClose = true;
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
            builder.MaxAutoPrepare = 64;
        return builder.ConnectionString;
    }
}
