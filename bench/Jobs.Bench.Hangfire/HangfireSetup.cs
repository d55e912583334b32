using System.Globalization;
using Hangfire;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Jobs.Bench.Hangfire;

/// <summary>What the tuned configurations change; the defaults configurations change none of it.</summary>
internal sealed record Tuning(int QueuePollMs, bool LongPolling, bool NoResetOnClose, int MaxAutoPrepare)
{
    /// <summary>The settings as the report lists them.</summary>
    public IReadOnlyList<string> Describe()
    {
        var settings = new List<string> { I($"PostgreSqlStorageOptions.QueuePollInterval = {QueuePollMs} ms (default 15 s)") };
        settings.Add(LongPolling
            ? "PostgreSqlStorageOptions.EnableLongPolling = true (LISTEN/NOTIFY on channel new_job; default false)"
            : "EnableLongPolling left false (it can hang a worker; --long-polling on)");
        if (NoResetOnClose)
            settings.Add("connection string No Reset On Close = true (default false)");
        if (MaxAutoPrepare > 0)
            settings.Add(I($"connection string Max Auto Prepare = {MaxAutoPrepare} (default 0)"));
        return settings;
    }

    static string I(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>How both processes set Hangfire up; the configurations differ only in what <see cref="Tuning"/> changes.</summary>
internal static class HangfireSetup
{
    /// <summary>
    /// Process-wide settings, the same in every configuration and in both processes: the data format and serializer
    /// settings a new Hangfire 1.8 application is set up with, and warnings and errors to standard error.
    /// </summary>
    public static void ConfigureProcess(TextWriter log)
    {
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new WarningLogProvider(log));
    }

    public static IReadOnlyList<string> ProcessSettings { get; } =
    [
        "SetDataCompatibilityLevel(Version_180), UseSimpleAssemblyNameTypeSerializer, UseRecommendedSerializerSettings",
        "global job filters as they come (CaptureCulture, AutomaticRetry, StatisticsHistory, ContinuationsSupport)",
    ];

    /// <summary>The storage of one configuration; creating it installs the schema if it is not there yet.</summary>
    public static PostgreSqlStorage Storage(string connectionString, string schema, Tuning? tuning)
    {
        var options = new PostgreSqlStorageOptions { SchemaName = schema };
        if (tuning is not null)
        {
            options.QueuePollInterval = TimeSpan.FromMilliseconds(tuning.QueuePollMs);
            options.AllowUnsafeValues = tuning.QueuePollMs < 50;
            options.EnableLongPolling = tuning.LongPolling;
            connectionString = new NpgsqlConnectionStringBuilder(connectionString)
            {
                NoResetOnClose = tuning.NoResetOnClose,
                MaxAutoPrepare = tuning.MaxAutoPrepare,
            }.ConnectionString;
        }
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }

    /// <summary>The server: <paramref name="workers"/> workers in every configuration, the rest at Hangfire's defaults.</summary>
    public static BackgroundJobServerOptions ServerOptions(string name, int workers) => new()
    {
        ServerName = name,
        WorkerCount = workers,
    };

    /// <summary>The connection string of a database on the server the <c>JOBS_PG_*</c> variables name.</summary>
    public static string ConnectionString(PgServer server, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = server.Host,
        Port = server.Port,
        Username = server.User,
        Password = server.Password,
        Database = database,
    }.ConnectionString;

    /// <summary>Hangfire's own log (LibLog), warnings and worse only, to the given writer.</summary>
    sealed class WarningLogProvider(TextWriter log) : ILogProvider
    {
        public ILog GetLogger(string name) => new Logger(log, name);

        sealed class Logger(TextWriter log, string name) : ILog
        {
            public bool Log(LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
            {
                if (logLevel < LogLevel.Warn)
                    return false;
                if (messageFunc is null)
                    return true;
                var text = string.Create(CultureInfo.InvariantCulture, $"hangfire {logLevel} {name}: {messageFunc()}");
                log.WriteLine(exception is null ? text : text + Environment.NewLine + exception);
                return true;
            }
        }
    }
}

/// <summary>The PostgreSQL server Jobs uses, from <c>JOBS_PG_*</c>.</summary>
internal sealed record PgServer(string Host, int Port, string User, string Password)
{
    /// <summary>From the variables, else from <c>.local/infra.env</c> of <paramref name="root"/>; null if neither has them.</summary>
    public static PgServer? Find(string root)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Path.Combine(root, ".local", "infra.env");
        if (File.Exists(file))
        {
            foreach (var line in File.ReadAllLines(file).Select(l => l.Trim()))
            {
                if (line.StartsWith("export ", StringComparison.Ordinal) && line.Contains('=', StringComparison.Ordinal))
                {
                    var pair = line["export ".Length..].Split('=', 2);
                    variables[pair[0]] = pair[1].Trim('"', '\'');
                }
            }
        }
        string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : variables.GetValueOrDefault(name);

        if (Get("JOBS_PG_HOST") is not { } host)
            return null;
        return new PgServer(
            host,
            int.Parse(Get("JOBS_PG_PORT") ?? "5432", CultureInfo.InvariantCulture),
            Get("JOBS_PG_USER") ?? "jobs",
            Get("JOBS_PG_PASSWORD") ?? "jobs");
    }
}
