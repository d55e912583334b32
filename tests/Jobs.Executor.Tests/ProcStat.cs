using System.Globalization;

namespace Jobs.Executor.Tests;

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> the tests need.</summary>
sealed record ProcStat(int Pid, char State, int ParentPid, int ProcessGroup, int Session)
{
    /// <summary>A zombie (or dead) process has ended; it only waits for its parent to reap it.</summary>
    public bool Ended => State is 'Z' or 'X';

    /// <summary>
    /// Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces and ')', so the
    /// fields after it are read from the last ')'.
    /// </summary>
    public static ProcStat Parse(string line)
    {
        var pid = int.Parse(line.AsSpan(0, line.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        var rest = line[(line.LastIndexOf(')') + 2)..].Split(' ');
        return new ProcStat(
            pid,
            rest[0][0],
            int.Parse(rest[1], CultureInfo.InvariantCulture),
            int.Parse(rest[2], CultureInfo.InvariantCulture),
            int.Parse(rest[3], CultureInfo.InvariantCulture));
    }

    /// <summary>The process's stat, or null if there is no such process.</summary>
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True if the process no longer runs: it does not exist or is a zombie.</summary>
    public static bool Gone(int pid) => Read(pid) is null or { Ended: true };

    /// <summary>The processes of the group that still run (zombies excluded).</summary>
    public static IReadOnlyList<int> LiveMembers(int processGroup)
    {
        var members = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            if (Read(pid) is { Ended: false } stat && stat.ProcessGroup == processGroup)
                members.Add(pid);
        }
        return members;
    }
}
