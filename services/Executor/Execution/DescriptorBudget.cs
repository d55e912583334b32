using System.Globalization;
using System.Runtime.InteropServices;

namespace Jobs.Executor.Execution;

/// <summary>
/// The file descriptors the executor keeps for itself. Every attempt takes some (its pipes), and an executor whose
/// descriptors run out does not only fail its spawns: the .NET runtime in it needs descriptors of its own (new JIT code
/// pages, sockets) and dies when it cannot get one. So while fewer than <c>reserve</c> are free under its open-files
/// limit (<c>ulimit -n</c>, systemd's LimitNOFILE), it starts no process and the attempt ends Rejected saying why.
/// </summary>
public sealed partial class DescriptorBudget(int reserve, Func<long> limit, Func<int> open)
{
    const int RlimitNofile = 7;

    /// <summary>This process's soft open-files limit and the descriptors it has open now.</summary>
    public static DescriptorBudget OfThisProcess(int reserve) => new(reserve, SoftLimit, OpenDescriptors);

    /// <summary>Why no process may start now; null if enough descriptors are free.</summary>
    public string? Refuse()
    {
        if (reserve <= 0)
            return null;
        var max = limit();
        var free = max - open();
        if (free >= reserve)
            return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"Too many open files on this executor: {Math.Max(free, 0)} of its {max} file descriptors are free, and it keeps {reserve} for itself (Executor:DescriptorReserve). Raise its open-files limit (ulimit -n, LimitNOFILE).");
    }

    /// <summary>The soft RLIMIT_NOFILE; <see cref="long.MaxValue"/> when unlimited or unreadable.</summary>
    static long SoftLimit()
    {
        if (!OperatingSystem.IsLinux() || GetRlimit(RlimitNofile, out var rlimit) != 0 || rlimit.Current > long.MaxValue)
            return long.MaxValue;
        return (long)rlimit.Current;
    }

    /// <summary>Entries of /proc/self/fd, less the one the listing itself holds open.</summary>
    static int OpenDescriptors()
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        try
        {
            return Math.Max(Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() - 1, 0);
        }
        catch (IOException)
        {
            // Not even the listing could be opened: none is free.
            return int.MaxValue;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out Rlimit rlimit);
}
