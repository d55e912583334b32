namespace Jobs.Executor.Execution;

/// <summary>One attempt's cgroup(s): the files its processes join, what it enforces, what it used, whether the kernel OOM-killed in it.</summary>
public sealed class AttemptCgroup(int version, Dictionary<string, string> directories, IReadOnlyList<string> procsFiles, IReadOnlyList<string> enforced, IReadOnlyList<string> unenforced)
{
    public IReadOnlyList<string> ProcsFiles => procsFiles;
    public IReadOnlyList<string> Enforced => enforced;
    public IReadOnlyList<string> Unenforced => unenforced;

    public bool OomKilled()
    {
        if (!directories.TryGetValue(Cgroups.Memory, out var memory))
            return false;
        return ReadKeyed(Path.Combine(memory, version == 2 ? "memory.events" : "memory.oom_control"), "oom_kill") > 0;
    }

    /// <summary>CPU time all processes of the attempt used so far, from the cgroup's own accounting; null where the host keeps none.</summary>
    public long? CpuMicroseconds()
    {
        if (version == 2)
            return directories.Values.FirstOrDefault() is { } directory ? ReadKeyed(Path.Combine(directory, "cpu.stat"), "usage_usec") : null;
        return directories.TryGetValue("cpuacct", out var accounting) && ReadNumber(Path.Combine(accounting, "cpuacct.usage")) is { } nanoseconds
            ? nanoseconds / 1000
            : null;
    }

    /// <summary>The most memory the attempt's processes held at once; null where the host does not track it.</summary>
    public long? PeakMemoryBytes() =>
        directories.TryGetValue(Cgroups.Memory, out var memory)
            ? ReadNumber(Path.Combine(memory, version == 2 ? "memory.peak" : "memory.max_usage_in_bytes"))
            : null;

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

    static long? ReadNumber(string file) =>
        File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), out var value) ? value : null;

    static long? ReadKeyed(string file, string key) =>
        File.Exists(file)
            ? File.ReadLines(file)
                .Select(line => line.Split(' '))
                .Where(parts => parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], out _))
                .Select(parts => (long?)long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture))
                .FirstOrDefault()
            : null;
}
