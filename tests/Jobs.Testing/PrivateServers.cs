using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Jobs.Testing;

/// <summary>
/// A PostgreSQL cluster and a RabbitMQ node of one test's own, on free ports, so it can kill and restart them without
/// disturbing the shared servers every other test uses. Started by <c>scripts/infra.sh</c> with <c>JOBS_INFRA_DIR</c>
/// under <c>.local/private</c>; always local processes (the script's local mode), even where a Docker engine answers.
/// </summary>
public sealed partial class PrivateServers : IAsyncDisposable
{
    readonly Dictionary<string, string> environment;

    PrivateServers(string name, string directory, Dictionary<string, string> environment, ServerEndpoints endpoints)
    {
        Name = name;
        Directory = directory;
        this.environment = environment;
        Endpoints = endpoints;
    }

    public string Name { get; }

    /// <summary>Where <c>scripts/infra.sh</c> keeps these servers' data, logs and <c>infra.env</c>.</summary>
    public string Directory { get; }

    public ServerEndpoints Endpoints { get; }

    /// <summary>Starts both servers; <paramref name="name"/> (letters, digits, dashes) prefixes their directory and the RabbitMQ node name.</summary>
    public static async Task<PrivateServers> Start(string name = "servers")
    {
        name = $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var directory = Path.Combine(RepositoryRoot.Path, ".local", "private", name);
        var ports = FreePorts(5);
        var environment = new Dictionary<string, string>
        {
            ["JOBS_INFRA_DIR"] = directory,
            ["JOBS_PG_HOST"] = "127.0.0.1",
            ["JOBS_PG_PORT"] = Invariant(ports[0]),
            ["JOBS_RMQ_HOST"] = "127.0.0.1",
            ["JOBS_RMQ_PORT"] = Invariant(ports[1]),
            ["JOBS_RMQ_MGMT_PORT"] = Invariant(ports[2]),
            ["JOBS_RMQ_DIST_PORT"] = Invariant(ports[3]),
            ["JOBS_RMQ_PROMETHEUS_PORT"] = Invariant(ports[4]),
            // Node names are global to the machine (one epmd), so the random part keeps checkouts apart too.
            ["JOBS_RMQ_NODENAME"] = $"jobs-{name}@localhost",
        };
        var servers = new PrivateServers(name, directory, environment,
            new ServerEndpoints("127.0.0.1", ports[0], "jobs", "jobs", "127.0.0.1", ports[1], ports[2], "jobs", "jobs"));
        try
        {
            await servers.Infra("up");
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL to this node's Erlang VM, as a crash would; returns once it has exited.</summary>
    public async Task KillRabbitMq() => await Kill([await Pid("rabbitmq")]);

    /// <summary>Starts the node again on the same ports and data; returns once AMQP and the management API answer.</summary>
    public Task StartRabbitMq() => Infra("up-rabbitmq");

    /// <summary>
    /// SIGKILL to the postmaster and its server processes, as a crash of their host would: killing the postmaster
    /// alone leaves backends holding the shared memory a new postmaster then refuses to start beside.
    /// </summary>
    public async Task KillPostgres()
    {
        var postmaster = await Pid("postgres");
        await Kill([postmaster, .. ChildrenOf(postmaster)]);
    }

    /// <summary>Starts the cluster again on the same port and data (after crash recovery); returns once it takes logins.</summary>
    public Task StartPostgres() => Infra("up-postgres");

    /// <summary>Stops both servers and deletes their data.</summary>
    public async ValueTask DisposeAsync() => await Infra("destroy");

    async Task Infra(string command)
    {
        var script = Path.Combine(RepositoryRoot.Path, "scripts", "infra.sh");
        var (exitCode, output) = await TestServers.Run("bash", [script, command], TimeSpan.FromMinutes(3), environment);
        if (exitCode != 0)
            throw new InvalidOperationException($"scripts/infra.sh {command} for {Name} failed ({exitCode}):\n{output}");
    }

    /// <summary>The pid infra.sh vouches for (it checks the process's command line against this pair's data directory).</summary>
    async Task<int> Pid(string server)
    {
        var script = Path.Combine(RepositoryRoot.Path, "scripts", "infra.sh");
        var (exitCode, output) = await TestServers.Run("bash", [script, "pids"], TimeSpan.FromMinutes(1), environment);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(server + " ", StringComparison.Ordinal));
        if (exitCode != 0 || line is null)
            throw new InvalidOperationException($"{server} of {Name} is not running ({exitCode}):\n{output}");
        return int.Parse(line[(server.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    static async Task Kill(IReadOnlyList<int> pids)
    {
        foreach (var pid in pids)
            _ = SendSignal(pid, SigKill);
        await Eventually.Get(
            () => Task.FromResult(pids.Where(Alive).ToList()),
            alive => alive.Count == 0,
            TimeSpan.FromSeconds(30),
            $"processes {string.Join(", ", pids)} to exit");
    }

    /// <summary>
    /// Until it is reaped: pg_ctl and a new postmaster take a zombie's pid in <c>postmaster.pid</c> for a live server.
    /// </summary>
    static bool Alive(int pid) => System.IO.Directory.Exists($"/proc/{pid}");

    static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
                var fields = File.ReadAllText(Path.Combine(dir, "stat")).AsSpan();
                fields = fields[(fields.LastIndexOf(')') + 2)..];
                var ppid = fields[2..][..fields[2..].IndexOf(' ')];
                if (int.Parse(ppid, System.Globalization.CultureInfo.InvariantCulture) == parent)
                    children.Add(pid);
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
        }
        return children;
    }

    /// <summary>Distinct free loopback ports: all are held at once while choosing, so none comes up twice.</summary>
    static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
