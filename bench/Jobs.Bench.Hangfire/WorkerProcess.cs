using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Hangfire;

namespace Jobs.Bench.Hangfire;

/// <summary>
/// The two-process configurations, as Hangfire is usually deployed: the bench is the "web app" that only enqueues,
/// and this same executable, started again with <c>--worker</c>, is the worker process that runs the Hangfire server.
/// The worker reports every finished job on its standard output; standard input tells it to stop.
/// </summary>
/// <remarks>
/// Lines the worker writes: <c>ready FREQUENCY</c> once its server runs, <c>done PHASE INDEX ENQUEUED STARTED ENDED</c>
/// per job, <c>stopped</c> after its server has shut down. Anything else there, and its standard error, is its log.
/// </remarks>
internal sealed class WorkerProcess : IAsyncDisposable
{
    public const string Flag = "--worker";

    /// <summary>The connection string goes by environment, not by command line, where every process could read its password.</summary>
    const string ConnectionVariable = "JOBS_BENCH_HANGFIRE_CONNECTION";

    readonly Process process;
    readonly TaskCompletionSource<long> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly ConcurrentQueue<string> tail = new();
    readonly Task stdout;
    readonly Task stderr;

    WorkerProcess(Process process, IJobSink sink, TextWriter log)
    {
        this.process = process;
        stdout = Task.Run(() => Pump(process.StandardOutput, line => OnOutput(line, sink, log)));
        stderr = Task.Run(() => Pump(process.StandardError, line => Log(line, log)));
    }

    public int ProcessId => process.Id;

    /// <summary>Completes with the worker's <see cref="Stopwatch.Frequency"/> once its Hangfire server runs.</summary>
    public Task<long> Ready => ready.Task;

    public Task Exited => process.WaitForExitAsync();

    public bool HasExited => process.HasExited;

    /// <summary>Starts this executable again as a worker process of <paramref name="workers"/> workers on <paramref name="schema"/>.</summary>
    public static WorkerProcess Start(string connectionString, string schema, int workers, Tuning? tuning, IJobSink sink, TextWriter log)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is not known.");
        var start = new ProcessStartInfo(self)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Run as `dotnet Jobs.Bench.Hangfire.dll`: the host needs the assembly again.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        start.ArgumentList.Add(Flag);
        start.ArgumentList.Add(schema);
        start.ArgumentList.Add(workers.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(tuning is null ? "-" : JsonSerializer.Serialize(tuning));
        start.Environment[ConnectionVariable] = connectionString;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{self} did not start.");
        return new WorkerProcess(process, sink, log);
    }

    /// <summary>The last lines of the worker's log, to say why it failed.</summary>
    public string Tail() => string.Join('\n', tail);

    /// <summary>Asks the worker to stop (its server finishes the jobs it runs), and waits for it; killed after <paramref name="timeout"/>.</summary>
    public async Task<int> Stop(TimeSpan timeout)
    {
        if (!process.HasExited)
        {
            try
            {
                await process.StandardInput.WriteLineAsync("stop");
                await process.StandardInput.FlushAsync();
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It exited meanwhile.
            }
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        await Task.WhenAll(stdout, stderr);
        process.Dispose();
    }

    void OnOutput(string line, IJobSink sink, TextWriter log)
    {
        var fields = line.Split(' ');
        switch (fields[0])
        {
            case "done" when fields.Length == 6:
                sink.Done(
                    int.Parse(fields[1], CultureInfo.InvariantCulture),
                    new JobRun(
                        int.Parse(fields[2], CultureInfo.InvariantCulture),
                        long.Parse(fields[3], CultureInfo.InvariantCulture),
                        long.Parse(fields[4], CultureInfo.InvariantCulture),
                        long.Parse(fields[5], CultureInfo.InvariantCulture)));
                break;
            case "ready" when fields.Length == 2:
                ready.TrySetResult(long.Parse(fields[1], CultureInfo.InvariantCulture));
                break;
            case "stopped":
                break;
            default:
                Log(line, log);
                break;
        }
    }

    void Log(string line, TextWriter log)
    {
        tail.Enqueue(line);
        while (tail.Count > 40)
            tail.TryDequeue(out _);
        log.WriteLine($"  [worker {process.Id}] {line}");
    }

    static async Task Pump(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
            onLine(line);
    }

    /// <summary>
    /// The worker process: a Hangfire server on the given schema until its standard input says <c>stop</c> or closes.
    /// </summary>
    public static async Task<int> RunWorker(IReadOnlyList<string> args)
    {
        var log = Console.Error;
        if (args.Count != 3 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var workers)
            || Environment.GetEnvironmentVariable(ConnectionVariable) is not { Length: > 0 } connectionString)
        {
            log.WriteLine($"{Flag} SCHEMA WORKERS TUNING|- with {ConnectionVariable} set: the worker process of the two-process configurations.");
            return 2;
        }
        var tuning = args[2] == "-" ? null : JsonSerializer.Deserialize<Tuning>(args[2]);
        HangfireSetup.ConfigureProcess(log);

        await using var pipe = new PipeSink(Console.OpenStandardOutput());
        BenchJob.Sink = pipe;
        var storage = HangfireSetup.Storage(connectionString, args[0], tuning);
        using (new BackgroundJobServer(HangfireSetup.ServerOptions($"bench-worker-{Environment.ProcessId}", workers), storage))
        {
            pipe.Line(string.Create(CultureInfo.InvariantCulture, $"ready {Stopwatch.Frequency}"));
            while (await Console.In.ReadLineAsync() is { } line && line != "stop")
            {
            }
        }
        pipe.Line("stopped");
        return 0;
    }

    /// <summary>Finished jobs as lines to the parent, written by one task so that a job never waits on the pipe.</summary>
    sealed class PipeSink : IJobSink, IAsyncDisposable
    {
        readonly Channel<string> lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        readonly Task writer;

        public PipeSink(Stream output)
        {
            writer = Task.Run(async () =>
            {
                await using var text = new StreamWriter(output) { AutoFlush = false };
                while (await lines.Reader.WaitToReadAsync())
                {
                    while (lines.Reader.TryRead(out var line))
                        await text.WriteLineAsync(line);
                    await text.FlushAsync();
                }
            });
        }

        public void Done(int phase, JobRun run) =>
            Line(string.Create(CultureInfo.InvariantCulture, $"done {phase} {run.Index} {run.EnqueuedAt} {run.StartedAt} {run.EndedAt}"));

        public void Line(string line) => lines.Writer.TryWrite(line);

        public async ValueTask DisposeAsync()
        {
            lines.Writer.TryComplete();
            await writer;
        }
    }
}
