using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Jobs.Bench.Logs;
using Jobs.Contracts;
using Jobs.Testing;

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;

var log = Console.Error;
var root = RepositoryRoot.Path;
var servers = ServerEndpoints.FromVariables(Environment.GetEnvironmentVariable) ?? FromInfraEnv(root);
if (servers is null)
{
    log.WriteLine("No servers: set JOBS_PG_* and JOBS_RMQ_* (`scripts/infra.sh up`, then `set -a; . .local/infra.env; set +a`).");
    return 2;
}
var sinkDll = Path.Combine(root, "services", "LogSink", "bin", "Release", "net10.0", "Jobs.LogSink.dll");
if (!File.Exists(sinkDll))
{
    log.WriteLine($"{sinkDll} is missing: build it first with `dotnet build services/LogSink -c Release`.");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop measuring, but let the LogSink, the virtual host and the database be cleaned up.
    e.Cancel = true;
    stop.Cancel();
};
var cancellationToken = stop.Token;

const string Sink = LogsReport.SinkPath;
const string Raw = LogsReport.RawPath;
// As LogChunkBatchConsumerDefinition configures the consumer: its largest batch is a "full" one.
const int SinkMessageLimit = 500;
const string SinkBatching = "batches of <= 500 msgs or 50 ms, 2 at once, prefetch 1000; COPY into a temp table + INSERT ... ON CONFLICT DO NOTHING";
const string Order = "A and B alternate, the order flipping each round (AB, BA, AB, ...); TRUNCATE + CHECKPOINT before every run";
const double Goal = 0.7;
const int MinWarmupPasses = 2;
const int MaxWarmupPasses = 6;
// Methods jitted in one warm-up pass below which the JIT counts as settled.
const int SettledJit = 100;
var settle = TimeSpan.FromSeconds(1);

var loadBefore = BenchHost.LoadAverage();
log.WriteLine($"payload: {options.ChunkCount} chunks of {options.ChunkKiB} KiB ({options.Payload.ToString().ToLowerInvariant()})");
var payload = Payload.Create(options.ChunkCount, options.ChunkBytes, options.Payload);

try
{
    await using var database = await TestDatabase.Create(servers);
    await using var virtualHost = await TestVirtualHost.Create(servers);
    log.WriteLine($"database {database.Name}, virtual host {virtualHost.Name}");

    var sinkConfiguration = new Dictionary<string, string>
    {
        ["ConnectionStrings:Jobs"] = database.ConnectionString,
        ["RabbitMq:Host"] = servers.RabbitHost,
        ["RabbitMq:Port"] = servers.RabbitPort.ToString(CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = virtualHost.Name,
        ["RabbitMq:Username"] = servers.RabbitUser,
        ["RabbitMq:Password"] = servers.RabbitPassword,
        ["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ",
    };
    await using var sink = ServiceProcess.Start("LogSink", "logsink", sinkConfiguration, Path.Combine(root, ".local", "bench-logs", virtualHost.Name));
    await sink.WaitHealthy(TimeSpan.FromSeconds(90));
    log.WriteLine($"LogSink pid {sink.ProcessId} healthy on {sink.BaseAddress} (output in {Path.GetRelativePath(root, sink.LogPath)})");

    await using var dataSource = database.CreateDataSource();
    var store = new LogStore(dataSource);
    await using var ingest = await SinkIngest.Start(servers, virtualHost.Name, store, options.InFlight, cancellationToken);

    var host = new HostInfo(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        await store.ServerVersion(cancellationToken),
        await RabbitMqVersion(servers),
        loadBefore,
        null);

    // Warm-up until the JIT has settled: tiered compilation recompiles the hot paths (with profile data) in the
    // background a while after they first ran, which cost a first measured run seconds of CPU on a small machine.
    // Only the bench's own JIT can be read; the LogSink runs the same traffic, so it settles alike.
    var warmupPasses = 0;
    while (options.WarmupChunks > 0 && warmupPasses < MaxWarmupPasses)
    {
        warmupPasses++;
        var sinkRun = await Measure(Sink, 0, 0, options.WarmupChunks);
        var rawRun = await Measure(Raw, 0, 1, options.WarmupChunks);
        var jitted = sinkRun.BenchRuntime.MethodsJitted + rawRun.BenchRuntime.MethodsJitted;
        log.WriteLine(FormattableString.Invariant(
            $"warm-up {warmupPasses}: {options.WarmupChunks} chunks through each variant (not recorded): A {sinkRun.MiBPerSecond:0.0} MiB/s, B {rawRun.MiBPerSecond:0.0} MiB/s, {jitted} methods jitted"));
        if (warmupPasses >= MinWarmupPasses && jitted < SettledJit)
            break;
    }

    var runs = new List<RunResult>();
    for (var round = 1; round <= options.Rounds; round++)
    {
        string[] order = round % 2 == 1 ? [Sink, Raw] : [Raw, Sink];
        for (var position = 0; position < order.Length; position++)
        {
            var run = await Measure(order[position], round, position, options.ChunkCount);
            runs.Add(run);
            log.WriteLine(FormattableString.Invariant(
                $"  round {round}/{options.Rounds} {run.Variant}: {run.Seconds:0.00} s, {run.MiBPerSecond:0.0} MiB/s, {run.MessagesPerSecond:0} msgs/s, {run.Batches.Count} transactions"));
        }
    }
    await store.Reset(cancellationToken);

    var setup = new Setup(
        options.ChunkCount,
        options.ChunkBytes,
        (long)options.ChunkCount * options.ChunkBytes,
        options.Jobs,
        options.Payload.ToString().ToLowerInvariant(),
        options.Rounds,
        options.WarmupChunks,
        warmupPasses,
        Order,
        options.InFlight,
        options.CopyBatchRows,
        SinkBatching,
        Path.GetRelativePath(root, sinkDll),
        File.GetLastWriteTimeUtc(sinkDll));
    var report = LogsReport.Create(DateTimeOffset.UtcNow, host with { LoadAfter = BenchHost.LoadAverage() }, setup, runs, Goal);

    Console.WriteLine();
    Console.Write(report.Table());
    Console.WriteLine();
    Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(root, "bench", "results")))}");
    return 0;

    // One run of one variant into an empty table: timed, checked (every row, every byte), and its batch shape read back.
    async Task<RunResult> Measure(string variant, int round, int position, int count)
    {
        if (sink.HasExited)
            throw new InvalidOperationException($"The LogSink exited:\n{sink.Tail()}");
        await store.Reset(cancellationToken);
        var messages = payload.Messages(count, options.Jobs);
        var dataBytes = messages.Sum(m => (long)m.Data.Length);
        GC.Collect();
        await Task.Delay(settle, cancellationToken);

        var runtimeBefore = RuntimeUse.Take();
        var before = CpuMeter.Take(sink.ProcessId, database.Name);
        SinkTiming? timing = null;
        double seconds;
        if (variant == Sink)
        {
            timing = await ingest.Run(messages, () => sink.Tail(), cancellationToken);
            seconds = timing.Seconds;
        }
        else
        {
            seconds = await RawCopy.Run(dataSource, messages, options.CopyBatchRows, cancellationToken);
        }
        var cpu = CpuMeter.Between(before, CpuMeter.Take(sink.ProcessId, database.Name));
        var runtime = RuntimeUse.Between(runtimeBefore, RuntimeUse.Take());

        var totals = await store.Measure(cancellationToken);
        if (totals.Rows != count || totals.DataBytes != dataBytes)
            throw new InvalidOperationException($"{variant}: stored {totals.Rows} rows / {totals.DataBytes} bytes, expected {count} / {dataBytes}.");
        var batches = BatchShape.Of(await store.RowsPerTransaction(cancellationToken), variant == Sink ? SinkMessageLimit : options.CopyBatchRows);
        return new RunResult(
            round,
            variant,
            position,
            count,
            dataBytes,
            totals.StoredBytes,
            seconds,
            dataBytes / (1024.0 * 1024.0) / seconds,
            count / seconds,
            batches,
            timing,
            cpu,
            runtime);
    }
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    log.WriteLine("cancelled");
    return 130;
}

// The servers scripts/infra.sh wrote down, when the variables are not set in this shell.
static ServerEndpoints? FromInfraEnv(string root)
{
    var file = Path.Combine(root, ".local", "infra.env");
    if (!File.Exists(file))
        return null;
    var variables = File.ReadAllLines(file)
        .Select(line => line.Trim())
        .Where(line => line.StartsWith("export ", StringComparison.Ordinal) && line.Contains('=', StringComparison.Ordinal))
        .Select(line => line["export ".Length..].Split('=', 2))
        .ToDictionary(pair => pair[0], pair => pair[1].Trim('"', '\''), StringComparer.Ordinal);
    return ServerEndpoints.FromVariables(variables.GetValueOrDefault);
}

// From the management API; null if it does not answer (the version is context, not a result).
static async Task<string?> RabbitMqVersion(ServerEndpoints servers)
{
    try
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{servers.RabbitUser}:{servers.RabbitPassword}")));
        using var overview = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://{servers.RabbitHost}:{servers.RabbitManagementPort}/api/overview")));
        return overview.RootElement.GetProperty("rabbitmq_version").GetString();
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
    {
        return null;
    }
}

// The 1, 5 and 15 minute load averages, to show how busy the shared machine was.
