using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>
/// What this host lets the executor enforce with cgroups, found once at start: v2 (one unified hierarchy) or v1 (a
/// hierarchy per controller). Each attempt that asks for limits gets a cgroup of its own under <c>jobs-executor</c>,
/// which also gives its CPU time and peak memory.
/// </summary>
public sealed class Cgroups
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Io = "io";
    public const string Pids = "pids";

    /// <summary>v1 only: CPU accounting lives in its own hierarchy when the host mounts cpuacct apart from cpu.</summary>
    const string CpuAccounting = "cpuacct";

    const string Parent = "jobs-executor";
    const long CpuPeriodMicroseconds = 100_000;

    readonly string root;
    readonly Dictionary<string, string> parents;
    readonly IReadOnlyList<string> devices;

    Cgroups(string root, int? version, Dictionary<string, string> parents, IReadOnlyList<string> devices)
    {
        this.root = root;
        Version = version;
        this.parents = parents;
        this.devices = devices;
    }

    /// <summary>1 or 2, or null when no cgroup can be made here.</summary>
    public int? Version { get; }

    /// <summary>The limits this host can enforce.</summary>
    public IReadOnlyList<string> Enforceable => [.. parents.Keys.Where(k => k != CpuAccounting).Order()];

    public static Cgroups Detect(string root = "/sys/fs/cgroup", string blockDevices = "/sys/block")
    {
        var devices = PhysicalDevices(blockDevices);
        var parents = new Dictionary<string, string>();
        if (File.Exists(Path.Combine(root, "cgroup.controllers")))
        {
            var available = File.ReadAllText(Path.Combine(root, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var parent = Path.Combine(root, Parent);
            if (TryCreate(parent))
            {
                foreach (var controller in new[] { Cpu, Memory, Io, Pids }.Where(available.Contains))
                {
                    if (controller == Io && devices.Count == 0)
                        continue;
                    if (TryWrite(Path.Combine(root, "cgroup.subtree_control"), $"+{controller}")
                        && TryWrite(Path.Combine(parent, "cgroup.subtree_control"), $"+{controller}"))
                        parents[controller] = parent;
                }
            }
            return new Cgroups(root, parents.Count > 0 ? 2 : null, parents, devices);
        }

        // v1 names the IO controller blkio.
        foreach (var (limit, controller) in new[] { (Cpu, "cpu"), (Memory, "memory"), (Io, "blkio"), (Pids, "pids"), (CpuAccounting, "cpuacct") })
        {
            if (limit == Io && devices.Count == 0)
                continue;
            var parent = Path.Combine(root, controller, Parent);
            if (Directory.Exists(Path.Combine(root, controller)) && TryCreate(parent))
                parents[limit] = parent;
        }
        return new Cgroups(root, parents.Keys.Any(k => k != CpuAccounting) ? 1 : null, parents, devices);
    }

    /// <summary>Makes the attempt's cgroup with the limits this host can enforce; null when none were asked for.</summary>
    public AttemptCgroup? Create(string name, ResourceLimits limits)
    {
        if (!limits.Any)
            return null;

        var requested = new List<string>();
        if (limits.CpuPercent is not null)
            requested.Add(Cpu);
        if (limits.MemoryMb is not null)
            requested.Add(Memory);
        if (limits.IoBytesPerSecond is not null)
            requested.Add(Io);
        if (limits.Pids is not null)
            requested.Add(Pids);

        var directories = new Dictionary<string, string>();
        var enforced = new List<string>();
        // Accounting comes along with any limit, so every limited attempt reports its CPU time and peak memory.
        foreach (var controller in requested.Append(CpuAccounting).Append(Memory).Distinct().Where(parents.ContainsKey))
        {
            var directory = Path.Combine(parents[controller], name);
            if (!TryCreate(directory))
                continue;
            directories[controller] = directory;
            if (requested.Contains(controller) && Apply(directory, controller, limits))
                enforced.Add(controller);
        }
        // Every process of the attempt joins each of its cgroups (v2: one directory for all controllers).
        var procs = directories.Values.Distinct().Select(d => Path.Combine(d, "cgroup.procs")).ToList();
        return new AttemptCgroup(Version ?? 0, directories, procs, [.. enforced.Order()], [.. requested.Except(enforced).Order()]);
    }

    bool Apply(string directory, string controller, ResourceLimits limits) => (Version, controller) switch
    {
        (2, Cpu) => TryWrite(Path.Combine(directory, "cpu.max"), $"{limits.CpuPercent!.Value * CpuPeriodMicroseconds / 100} {CpuPeriodMicroseconds}"),
        (2, Memory) => TryWrite(Path.Combine(directory, "memory.max"), $"{(long)limits.MemoryMb!.Value * 1024 * 1024}")
            && TryWrite(Path.Combine(directory, "memory.swap.max"), "0", optional: true),
        (2, Io) => devices.All(device => TryWrite(Path.Combine(directory, "io.max"), $"{device} rbps={limits.IoBytesPerSecond} wbps={limits.IoBytesPerSecond}")),
        (2, Pids) => TryWrite(Path.Combine(directory, "pids.max"), $"{limits.Pids!.Value}"),
        (1, Cpu) => TryWrite(Path.Combine(directory, "cpu.cfs_period_us"), $"{CpuPeriodMicroseconds}")
            && TryWrite(Path.Combine(directory, "cpu.cfs_quota_us"), $"{limits.CpuPercent!.Value * CpuPeriodMicroseconds / 100}"),
        (1, Memory) => TryWrite(Path.Combine(directory, "memory.limit_in_bytes"), $"{(long)limits.MemoryMb!.Value * 1024 * 1024}")
            && TryWrite(Path.Combine(directory, "memory.memsw.limit_in_bytes"), $"{(long)limits.MemoryMb!.Value * 1024 * 1024}", optional: true),
        (1, Io) => devices.All(device =>
            TryWrite(Path.Combine(directory, "blkio.throttle.read_bps_device"), $"{device} {limits.IoBytesPerSecond}")
            && TryWrite(Path.Combine(directory, "blkio.throttle.write_bps_device"), $"{device} {limits.IoBytesPerSecond}")),
        (1, Pids) => TryWrite(Path.Combine(directory, "pids.max"), $"{limits.Pids!.Value}"),
        _ => false,
    };

    /// <summary>
    /// The <c>major:minor</c> numbers of the host's real disks (those backed by a device: not loop, RAM or zram), which
    /// IO limits are set on, since cgroups throttle per device.
    /// </summary>
    static List<string> PhysicalDevices(string blockDevices)
    {
        if (!Directory.Exists(blockDevices))
            return [];
        return [.. Directory.EnumerateDirectories(blockDevices)
            .Where(d => Directory.Exists(Path.Combine(d, "device")) && File.Exists(Path.Combine(d, "dev")))
            .Select(d => File.ReadAllText(Path.Combine(d, "dev")).Trim())
            .Order(StringComparer.Ordinal)];
    }

    static bool TryCreate(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    static bool TryWrite(string file, string value, bool optional = false)
    {
        try
        {
            File.WriteAllText(file, value);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return optional;
        }
    }

    public override string ToString() => Version is null ? $"no cgroups under {root}" : $"cgroup v{Version} ({string.Join(", ", Enforceable)})";
}
