using System.Diagnostics;
using Jobs.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Jobs.Reliability.Tests;

/// <summary>
/// One fault scenario: a system of its own, a <see cref="Workload"/> on it, the faults injected (each remembered for
/// the report) and, at the end, <see cref="Invariants"/> checked and reported.
/// </summary>
public sealed class Scenario : IAsyncDisposable
{
    readonly List<string> faults = [];
    readonly Stopwatch duration = Stopwatch.StartNew();
    Workload? workload;

    Scenario(string name, JobsSystem system, ITestOutputHelper output, PrivateServers? servers = null)
    {
        Name = name;
        System = system;
        Servers = servers;
        Output = output;
        Database = system.Database.CreateDataSource();
        RecoveredAt = DateTime.UtcNow;
    }

    public string Name { get; }
    public JobsSystem System { get; }

    /// <summary>The servers of this scenario's own, when it kills them (scenarios 5 and 6).</summary>
    public PrivateServers? Servers { get; }
    public ITestOutputHelper Output { get; }
    public NpgsqlDataSource Database { get; }
    public Workload Workload => workload ?? throw new InvalidOperationException("The workload has not started.");
    public IReadOnlyList<string> Faults => faults;
    public TimeSpan Duration => duration.Elapsed;

    /// <summary>When the last fault was over: the service restarted, or killed for good.</summary>
    public DateTime RecoveredAt { get; private set; }

    /// <summary>Copies the test made of messages, to be absorbed by the system (scenario 7).</summary>
    public long DuplicatesInjected { get; set; }

    public static async Task<Scenario> Start(
        string name, ITestOutputHelper output, int executors = 2, int jobApis = 1, int schedulers = 1, int logSinks = 1) =>
        new(name, await JobsSystem.Start(executors, Scale.SlotsPerExecutor, jobApis: jobApis, schedulers: schedulers, logSinks: logSinks), output);

    /// <summary>A scenario on a PostgreSQL and RabbitMQ of its own, which it may kill without disturbing other tests.</summary>
    public static async Task<Scenario> OnPrivateServers(string name, ITestOutputHelper output)
    {
        var servers = await PrivateServers.Start("reliability");
        try
        {
            return new(name, await JobsSystem.Start(2, Scale.SlotsPerExecutor, servers: servers.Endpoints), output, servers);
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts submitting <see cref="Scale.Jobs"/> jobs.</summary>
    public void Run() => workload = Workload.Start(System, Scale.Jobs);

    /// <summary>Waits until at least <paramref name="fraction"/> of the jobs have ended.</summary>
    public Task WaitEnded(double fraction) => Eventually.Get(
        () => Workload.TerminalFraction(Database),
        ended => ended >= fraction,
        Scale.TerminalBound,
        $"{fraction:P0} of the jobs to end\n{System.Logs()}");

    /// <summary>SIGKILLs the service and, with <paramref name="restart"/>, starts it again and waits until it is healthy.</summary>
    public async Task Kill(string service, bool restart)
    {
        var ended = await Workload.TerminalFraction(Database);
        var killedAt = Stopwatch.GetTimestamp();
        await System.Services[service].Kill();
        if (restart)
            await System.StartService(service);
        RecoveredAt = DateTime.UtcNow;
        var fault = restart
            ? $"SIGKILL {service} at {ended:P0} ended, healthy again after {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s"
            : $"SIGKILL {service} at {ended:P0} ended, not restarted";
        // Several services may be killed at once.
        lock (faults)
            faults.Add(fault);
        Output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {fault}");
    }

    /// <summary>SIGKILLs this scenario's RabbitMQ or PostgreSQL (<paramref name="server"/>) and starts it again on the same data.</summary>
    public async Task KillServer(string server)
    {
        var servers = Servers ?? throw new InvalidOperationException("The scenario runs on the shared servers.");
        var ended = await Workload.TerminalFraction(Database);
        var killedAt = Stopwatch.GetTimestamp();
        if (server == "rabbitmq")
        {
            await servers.KillRabbitMq();
            await servers.StartRabbitMq();
        }
        else
        {
            await servers.KillPostgres();
            await servers.StartPostgres();
            // The test's own pooled connections died with the server.
            Database.Clear();
        }
        RecoveredAt = DateTime.UtcNow;
        var fault = $"SIGKILL {server} at {ended:P0} ended, up again after {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s";
        lock (faults)
            faults.Add(fault);
        Output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {fault}");
    }

    /// <summary>Checks every invariant once the run is over, then writes the report to the test output and the report file.</summary>
    public async Task<RunReport> Verify()
    {
        var report = await Invariants.Check(this);
        Output.WriteLine(report.ToString());
        report.Append();
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        try
        {
            await System.DisposeAsync();
        }
        finally
        {
            if (Servers is not null)
                await Servers.DisposeAsync();
        }
    }
}
