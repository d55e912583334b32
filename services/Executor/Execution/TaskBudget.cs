using System.Globalization;

namespace Jobs.Executor.Execution;

/// <summary>
/// The tasks (processes and threads) the executor keeps for itself. A fork that fails for want of a task is rejected by
/// the OS, but the .NET runtime in the executor fails as well when it cannot start a thread, and dies ("Out of memory.").
/// So while fewer than <c>reserve</c> tasks are free under the tightest limit it lives under (the pids controller of its
/// cgroup and every cgroup above it, as systemd's TasksMax and a pod's pids limit set; the kernel's threads-max and
/// pid_max), it starts no process and the attempt ends Rejected saying why. RLIMIT_NPROC is not counted: the executor
/// runs as root, which the kernel exempts from it.
/// </summary>
public sealed class TaskBudget(int reserve, Func<IEnumerable<TaskLimit>> limits)
{
    /// <summary>This process's cgroups and the kernel's limits.</summary>
    public static TaskBudget OfThisProcess(int reserve) => new(reserve, () => CgroupLimits().Concat(KernelLimits()));

    /// <summary>Why no process may start now; null if enough tasks are free.</summary>
    public string? Refuse()
    {
        if (reserve <= 0)
            return null;
        var tightest = limits().MinBy(l => l.Free);
        if (tightest is null || tightest.Free >= reserve)
            return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"Too many tasks on this executor: {Math.Max(tightest.Free, 0)} of the {tightest.Max} that {tightest.Source} allows are free, and it keeps {reserve} for itself (Executor:TaskReserve). Raise that limit.");
    }

    /// <summary>The pids.max and pids.current of this process's cgroup and each one above it that sets a limit.</summary>
    static IEnumerable<TaskLimit> CgroupLimits()
    {
        if (!OperatingSystem.IsLinux())
            yield break;
        string? root = null, path = null;
        foreach (var line in ReadLines("/proc/self/cgroup"))
        {
            var fields = line.Split(':', 3);
            if (fields.Length != 3)
                continue;
            if (fields[1].Split(',').Contains("pids") && Directory.Exists("/sys/fs/cgroup/pids"))
                (root, path) = ("/sys/fs/cgroup/pids", fields[2]);
            else if (fields[0] == "0" && root is null && File.Exists("/sys/fs/cgroup/cgroup.controllers"))
                (root, path) = ("/sys/fs/cgroup", fields[2]);
        }
        if (root is null || path is null)
            yield break;
        for (var directory = path.TrimEnd('/'); directory.Length > 0; directory = directory[..directory.LastIndexOf('/')])
        {
            var full = root + directory;
            if (Read(Path.Combine(full, "pids.max")) is { } max && max != "max"
                && long.TryParse(max, CultureInfo.InvariantCulture, out var limit)
                && Read(Path.Combine(full, "pids.current")) is { } current
                && long.TryParse(current, CultureInfo.InvariantCulture, out var used))
                yield return new TaskLimit($"the cgroup {directory}", limit, used);
        }
    }

    /// <summary>All tasks on the host against kernel.threads-max and kernel.pid_max.</summary>
    static IEnumerable<TaskLimit> KernelLimits()
    {
        if (!OperatingSystem.IsLinux())
            yield break;
        // /proc/loadavg: "0.10 0.20 0.30 running/total last-pid".
        var total = Read("/proc/loadavg")?.Split(' ') is [_, _, _, var tasks, ..] && tasks.Split('/') is [_, var all]
            && long.TryParse(all, CultureInfo.InvariantCulture, out var count) ? count : (long?)null;
        if (total is null)
            yield break;
        foreach (var name in new[] { "threads-max", "pid_max" })
        {
            if (Read($"/proc/sys/kernel/{name}") is { } value && long.TryParse(value, CultureInfo.InvariantCulture, out var max))
                yield return new TaskLimit($"kernel.{name}", max, total.Value);
        }
    }

    static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    static string[] ReadLines(string path) => Read(path)?.Split('\n') ?? [];
}

/// <summary>One limit on tasks: who sets it, its maximum, and the tasks it counts now.</summary>
public sealed record TaskLimit(string Source, long Max, long Current)
{
    public long Free => Max - Current;
}
