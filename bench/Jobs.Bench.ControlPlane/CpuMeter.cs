using System.Globalization;

namespace Jobs.Bench.ControlPlane;

/// <summary>
/// CPU seconds spent during the measured run, by whom: this process (submitting, the simulated executors, polling),
/// each service process, PostgreSQL (its shared processes and the backends of the system's database), RabbitMQ (the
/// whole broker, shared with whatever else uses it), and the rest of the machine (backends of other databases
/// included); all from <c>/proc</c>, per process (its own user and system time, what it used between the two looks,
/// or since it started). Children's reaped time is left out: on a shared server the postmaster reaps the backends of
/// every other database, with all the time they ever used. A backend that ends during the run loses its share to
/// <c>other</c>; the services keep theirs open in their pools. Times in seconds.
/// </summary>
internal sealed record CpuUse(double Wall, IReadOnlyDictionary<string, double> Seconds, double Other, double Idle, double IoWait)
{
    /// <summary>How many of the machine's cores were busy on average.</summary>
    public double BusyCores => (Seconds.Values.Sum() + Other) / Wall;
}

internal static class CpuMeter
{
    /// <summary>USER_HZ: the unit of /proc's CPU times, 100 on every Linux this runs on.</summary>
    const double TicksPerSecond = 100;

    public const string Bench = "bench";
    public const string Postgres = "postgres";
    public const string RabbitMq = "rabbitmq";

    static readonly HashSet<string> RabbitMqCommands = new(StringComparer.Ordinal) { "beam.smp", "erl_child_setup", "inet_gethost", "epmd" };

    internal sealed record Snapshot(long Timestamp, IReadOnlyList<string> Groups, IReadOnlyDictionary<int, (string Group, long Ticks)> Processes, long Busy, long Idle, long IoWait);

    /// <param name="services">Service name by process id.</param>
    /// <param name="database">The system's database: backends connected to any other one are someone else's work.</param>
    public static Snapshot Take(IReadOnlyDictionary<int, string> services, string database)
    {
        var groups = new List<string> { Bench };
        groups.AddRange(services.Values);
        groups.Add(Postgres);
        groups.Add(RabbitMq);
        var processes = new Dictionary<int, (string Group, long Ticks)>();
        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            if (ReadProcess(directory) is not { } process)
                continue;
            var group = pid == self ? Bench
                : services.TryGetValue(pid, out var service) ? service
                : process.Command == "postgres" ? (ServesOtherDatabase(directory, database) ? null : Postgres)
                : RabbitMqCommands.Contains(process.Command) ? RabbitMq
                : null;
            if (group is not null)
                processes[pid] = (group, process.Ticks);
        }
        var (busy, idle, ioWait) = ReadMachine();
        return new Snapshot(System.Diagnostics.Stopwatch.GetTimestamp(), groups, processes, busy, idle, ioWait);
    }

    public static CpuUse Between(Snapshot before, Snapshot after)
    {
        var ticks = before.Groups.ToDictionary(group => group, _ => 0L, StringComparer.Ordinal);
        foreach (var (pid, (group, now)) in after.Processes)
        {
            var earlier = before.Processes.TryGetValue(pid, out var b) && b.Group == group && b.Ticks <= now ? b.Ticks : 0;
            ticks[group] += now - earlier;
        }
        var seconds = ticks.ToDictionary(t => t.Key, t => Math.Round(t.Value / TicksPerSecond, 2), StringComparer.Ordinal);
        var busy = (after.Busy - before.Busy) / TicksPerSecond;
        return new CpuUse(
            System.Diagnostics.Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds,
            seconds,
            Math.Round(Math.Max(0, busy - seconds.Values.Sum()), 2),
            (after.Idle - before.Idle) / TicksPerSecond,
            (after.IoWait - before.IoWait) / TicksPerSecond);
    }

    /// <summary>A process's command and its own CPU ticks (all its threads, user and system). Null if it ended while being read.</summary>
    static (string Command, long Ticks)? ReadProcess(string directory)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(Path.Combine(directory, "stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so it ends at the last ')'.
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open)
            return null;
        var fields = stat[(close + 2)..].Split(' ');
        // Fields 14 and 15 of proc(5) (utime, stime); fields[0] is field 3.
        var ticks = long.Parse(fields[14 - 3], NumberStyles.None, CultureInfo.InvariantCulture)
            + long.Parse(fields[15 - 3], NumberStyles.None, CultureInfo.InvariantCulture);
        return (stat[(open + 1)..close], ticks);
    }

    /// <summary>
    /// Whether a <c>postgres</c> process is a client backend of another database: its title (in place of its command
    /// line) reads <c>postgres: user database host(port) state</c>; the shared processes' titles have no host.
    /// </summary>
    static bool ServesOtherDatabase(string directory, string database)
    {
        string title;
        try
        {
            title = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var words = title.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var clientBackend = words.Length >= 4 && words[0] == "postgres:" && (words[3].EndsWith(')') || words[3] == "[local]");
        return clientBackend && words[2] != database;
    }

    /// <summary>The machine's busy, idle and iowait ticks over all cores since boot (the first line of /proc/stat).</summary>
    static (long Busy, long Idle, long IoWait) ReadMachine()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal (guest time is already within user).
        long Field(int index) => cpu.Length > index ? long.Parse(cpu[index], NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
        return (busy, Field(4), Field(5));
    }
}
