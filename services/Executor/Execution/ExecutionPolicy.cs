namespace Jobs.Executor.Execution;

/// <summary>
/// The executor's own line of defence, behind the API's: which user jobs run as, whether root may run them, and which
/// executables it runs at all, and whether it has the file descriptors and tasks to spare for another process. A job it
/// refuses ends Rejected with the reason.
/// </summary>
public sealed class ExecutionPolicy(
    LocalUser? runAs,
    bool allowRoot,
    IReadOnlyList<string> allowedCommands,
    bool privileged,
    DescriptorBudget? descriptors = null,
    TaskBudget? tasks = null)
{
    /// <summary>Runs anything as the daemon's own user: for tests of the runner itself.</summary>
    public static readonly ExecutionPolicy Unrestricted = new(null, allowRoot: true, [], Environment.IsPrivilegedProcess);

    public LocalUser? RunAs => runAs;

    /// <summary>From configuration; a user that does not exist, or one a non-root daemon cannot switch to, stops the daemon at start.</summary>
    public static ExecutionPolicy From(ExecutorOptions options, string passwd = "/etc/passwd", bool? privileged = null)
    {
        var root = privileged ?? Environment.IsPrivilegedProcess;
        LocalUser? user = null;
        if (!string.IsNullOrWhiteSpace(options.RunAsUser))
        {
            user = LocalUser.Find(options.RunAsUser, passwd)
                ?? throw new InvalidOperationException($"Executor:RunAsUser names '{options.RunAsUser}', which is not a local user.");
            if (!root)
                throw new InvalidOperationException($"Executor:RunAsUser is '{options.RunAsUser}', but the daemon is not root and cannot switch users.");
        }
        if (options.DescriptorReserve < 0)
            throw new InvalidOperationException($"Executor:DescriptorReserve is {options.DescriptorReserve}; it must be 0 (no reserve) or more.");
        if (options.TaskReserve < 0)
            throw new InvalidOperationException($"Executor:TaskReserve is {options.TaskReserve}; it must be 0 (no reserve) or more.");
        return new ExecutionPolicy(user, options.AllowRoot, options.AllowedCommands, root,
            DescriptorBudget.OfThisProcess(options.DescriptorReserve), TaskBudget.OfThisProcess(options.TaskReserve));
    }

    /// <summary>Why this executor will not run <paramref name="program"/> (the resolved path); null if it will.</summary>
    public string? Refuse(string program)
    {
        if (privileged && (runAs is null || runAs.Uid == 0) && !allowRoot)
            return "This executor does not run jobs as root: set Executor:RunAsUser to a local user, or Executor:AllowRoot to true.";
        if (allowedCommands.Count > 0 && !allowedCommands.Any(allowed => Matches(allowed, program)))
            return $"'{program}' is not on this executor's allowlist.";
        return descriptors?.Refuse() ?? tasks?.Refuse();
    }

    static bool Matches(string allowed, string program) =>
        allowed.Contains('/', StringComparison.Ordinal)
            ? string.Equals(Path.GetFullPath(allowed), Path.GetFullPath(program), StringComparison.Ordinal)
            : string.Equals(allowed, Path.GetFileName(program), StringComparison.Ordinal);
}
