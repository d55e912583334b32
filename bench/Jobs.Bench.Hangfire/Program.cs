using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Hangfire;
using Hangfire.PostgreSql;
using Jobs.Bench.Hangfire;
using Npgsql;

if (args.Length > 0 && args[0] == WorkerProcess.Flag)
    return await WorkerProcess.RunWorker(args[1..]);

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;

var log = Console.Error;
var root = BenchHost.RepoRoot();
var server = PgServer.Find(root);
if (server is null)
{
    log.WriteLine("No PostgreSQL: set JOBS_PG_* (`scripts/infra.sh up`, then `set -a; . .local/infra.env; set +a`).");
    return 2;
}
if (!Stopwatch.IsHighResolution)
{
    log.WriteLine("Stopwatch is not high-resolution here; the latencies would not mean much.");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop measuring, but let the worker process and the database be cleaned up.
    e.Cancel = true;
    stop.Cancel();
};

HangfireSetup.ConfigureProcess(log);
var tuning = new Tuning(options.TunedPollMs, options.LongPolling, NoResetOnClose: true, MaxAutoPrepare: 64);
var loadBefore = BenchHost.LoadAverage();

var database = $"hangfire_bench_{Guid.NewGuid():N}"[..23];
var maintenance = HangfireSetup.ConnectionString(server, "postgres");
await Execute(maintenance, $"CREATE DATABASE \"{database}\"");
log.WriteLine($"database {database} on {server.Host}:{server.Port}");
var connectionString = HangfireSetup.ConnectionString(server, database);

var raw = new List<RawResult>();
var results = new List<ConfigurationResult>();
string postgreSql;
try
{
    postgreSql = (string)(await Scalar(connectionString, "SHOW server_version"))!;

    raw.Add(RawBaseline.Measure("before", options.Jobs, options.Workers));
    log.WriteLine(FormattableString.Invariant($"raw baseline: {raw[^1].RunsPerSecond:0.0} runs/s from {options.Workers} threads"));

    var recorder = new Recorder();
    foreach (var configuration in options.Configurations)
    {
        results.Add(await ConfigurationBench.Measure(configuration, options, tuning, connectionString, recorder, log, stop.Token));
        stop.Token.ThrowIfCancellationRequested();
    }

    raw.Add(RawBaseline.Measure("after", options.Jobs, options.Workers));
    log.WriteLine(FormattableString.Invariant($"raw baseline: {raw[^1].RunsPerSecond:0.0} runs/s from {options.Workers} threads"));
    if (recorder.Stray > 0)
        log.WriteLine($"{recorder.Stray} job(s) reported outside their phase");
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    log.WriteLine("cancelled");
    return 130;
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await Execute(maintenance, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    log.WriteLine($"database {database} dropped");
}

var host = new HostInfo(
    Environment.ProcessorCount,
    RuntimeInformation.OSDescription,
    RuntimeInformation.FrameworkDescription,
    Version(typeof(BackgroundJob).Assembly),
    Version(typeof(PostgreSqlStorage).Assembly),
    Version(typeof(NpgsqlConnection).Assembly),
    postgreSql,
    loadBefore,
    BenchHost.LoadAverage());
var report = new BenchReport(
    DateTimeOffset.UtcNow,
    host,
    options.Jobs,
    options.Workers,
    options.Enqueuers,
    options.Rate,
    options.Seconds,
    options.Warmup,
    options.Quick,
    HangfireSetup.ProcessSettings,
    raw,
    results).WithRatios();

Console.WriteLine();
Console.Write(report.Table());
Console.WriteLine();
Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(root, "bench", "results")))}");
return results.All(r => r.Error is null) ? 0 : 1;

static async Task Execute(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task<object?> Scalar(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return await command.ExecuteScalarAsync();
}

// The package version an assembly was built as (its informational version, without the source revision).
static string Version(Assembly assembly) =>
    assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
    ?? assembly.GetName().Version?.ToString()
    ?? "?";

// Where results go: bench/results of the checkout this benchmark was built in (found by its Jobs.sln), or of the
// current directory's checkout when run from elsewhere.

// "1-min 5-min 15-min" from /proc/loadavg: how busy the shared machine was around the measured runs.
