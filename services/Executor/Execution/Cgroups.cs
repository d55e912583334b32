namespace Jobs.Executor.Execution;

/// <summary>
/// What this host lets the executor enforce with cgroups, found once at start: v2 (one unified hierarchy) or v1 (a
/// hierarchy per controller). Each attempt gets a cgroup of its own under <c>jobs-executor</c>. Block IO limits need a
/// device number per disk and are not enforced yet: an attempt that asks for one records it as not enforced.
/// </summary>
public sealed class Cgroups
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Io = "io";
    public const string Pids = "pids";

    const string Parent = "jobs-executor";
    const long CpuPeriodMicroseconds = 100_000;

    readonly string root;
    readonly Dictionary<string, string> parents;

    Cgroups(string root, int? version, Dictionary<string, string> parents)
    {
        this.root = root;
        Version = version;
        this.parents = parents;
    }

    /// <summary>1 or 2, or null when no cgroup can be made here.</summary>
    public int? Version { get; }

    public IReadOnlyList<string> Enforceable => [.. parents.Keys.Order()];

    public static Cgroups Detect(string root = "/sys/fs/cgroup")
    {
        var parents = new Dictionary<string, string>();
        if (File.Exists(Path.Combine(root, "cgroup.controllers")))
        {
            var available = File.ReadAllText(Path.Combine(root, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var parent = Path.Combine(root, Parent);
            if (TryCreate(parent))
            {
                foreach (var controller in new[] { Cpu, Memory, Pids }.Where(available.Contains))
                {
                    if (TryWrite(Path.Combine(root, "cgroup.subtree_control"), $"+{controller}")
                        && TryWrite(Path.Combine(parent, "cgroup.subtree_control"), $"+{controller}"))
                        parents[controller] = parent;
                }
            }
            return new Cgroups(root, parents.Count > 0 ? 2 : null, parents);
        }

        foreach (var controller in new[] { Cpu, Memory, Pids })
        {
            var parent = Path.Combine(root, controller, Parent);
            if (Directory.Exists(Path.Combine(root, controller)) && TryCreate(parent))
                parents[controller] = parent;
        }
        return new Cgroups(root, parents.Count > 0 ? 1 : null, parents);
    }

    /// <summary>Makes the attempt's cgroup with the limits this host can enforce; null when none were asked for.</summary>
    public AttemptCgroup? Create(string name, Jobs.Contracts.ResourceLimits limits)
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
        foreach (var controller in requested.Where(parents.ContainsKey))
        {
            var directory = Path.Combine(parents[controller], name);
            if (!directories.ContainsValue(directory))
                Directory.CreateDirectory(directory);
            directories[controller] = directory;
            if (Apply(directory, controller, limits))
                enforced.Add(controller);
        }
        // Every process of the attempt joins each of its cgroups (v2: one directory for all controllers).
        var procs = directories.Values.Distinct().Select(d => Path.Combine(d, "cgroup.procs")).ToList();
        return new AttemptCgroup(Version ?? 0, directories, procs, enforced, [.. requested.Except(enforced)]);
    }

    bool Apply(string directory, string controller, Jobs.Contracts.ResourceLimits limits) => (Version, controller) switch
    {
        (2, Cpu) => TryWrite(Path.Combine(directory, "cpu.max"), $"{limits.CpuPercent!.Value * CpuPeriodMicroseconds / 100} {CpuPeriodMicroseconds}"),
        (2, Memory) => TryWrite(Path.Combine(directory, "memory.max"), $"{(long)limits.MemoryMb!.Value * 1024 * 1024}")
            && TryWrite(Path.Combine(directory, "memory.swap.max"), "0", optional: true),
        (2, Pids) => TryWrite(Path.Combine(directory, "pids.max"), $"{limits.Pids!.Value}"),
        (1, Cpu) => TryWrite(Path.Combine(directory, "cpu.cfs_period_us"), $"{CpuPeriodMicroseconds}")
            && TryWrite(Path.Combine(directory, "cpu.cfs_quota_us"), $"{limits.CpuPercent!.Value * CpuPeriodMicroseconds / 100}"),
        (1, Memory) => TryWrite(Path.Combine(directory, "memory.limit_in_bytes"), $"{(long)limits.MemoryMb!.Value * 1024 * 1024}")
            && TryWrite(Path.Combine(directory, "memory.memsw.limit_in_bytes"), $"{(long)limits.MemoryMb!.Value * 1024 * 1024}", optional: true),
        (1, Pids) => TryWrite(Path.Combine(directory, "pids.max"), $"{limits.Pids!.Value}"),
        _ => false,
    };

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

/// <summary>One attempt's cgroup(s): the files its processes join, what it enforces, whether the kernel OOM-killed in it.</summary>
public sealed class AttemptCgroup(int version, Dictionary<string, string> directories, IReadOnlyList<string> procsFiles, IReadOnlyList<string> enforced, IReadOnlyList<string> unenforced)
{
    public IReadOnlyList<string> ProcsFiles => procsFiles;
    public IReadOnlyList<string> Enforced => enforced;
    public IReadOnlyList<string> Unenforced => unenforced;

    public bool OomKilled()
    {
        if (!directories.TryGetValue(Cgroups.Memory, out var memory))
            return false;
        var file = Path.Combine(memory, version == 2 ? "memory.events" : "memory.oom_control");
        return File.Exists(file) && File.ReadLines(file)
            .Select(line => line.Split(' '))
            .Any(parts => parts.Length == 2 && parts[0] == "oom_kill" && long.TryParse(parts[1], out var count) && count > 0);
    }

    /// <summary>Removes the cgroups once their processes are gone (the kernel refuses while any is left).</summary>
    public async Task Remove()
    {
        foreach (var directory in directories.Values.Distinct())
        {
            for (var tries = 0; tries < 50 && Directory.Exists(directory); tries++)
            {
                try
                {
                    Directory.Delete(directory);
                }
                catch (IOException)
                {
                    await Task.Delay(20);
                }
            }
        }
    }
}
