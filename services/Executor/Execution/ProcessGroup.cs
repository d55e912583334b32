using System.Runtime.InteropServices;

namespace Jobs.Executor.Execution;

/// <summary>
/// Signals to a whole process group. Every attempt's process is started as the leader of a new session (and so of a
/// new group, whose id is its pid), so signalling the group reaches every process it started that did not leave it.
/// </summary>
public static partial class ProcessGroup
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to every process of the group; false if none is left.</summary>
    public static bool Signal(int groupId, int signal) => Kill(-groupId, signal) == 0;

    /// <summary>
    /// Waits until the process leads its own group: right after start the child is still <c>setsid</c> on its way to
    /// <c>setsid()</c>, and a signal to the group sent before then would reach nobody.
    /// </summary>
    public static async Task WaitUntilLeader(int pid, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (GetProcessGroup(pid) is var group && group != pid && group != -1 && DateTime.UtcNow < deadline)
            await Task.Delay(1, cancellationToken);
    }

    [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
    private static partial int GetProcessGroup(int pid);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
