using System.ComponentModel;
using System.Diagnostics;
using System.Threading.Channels;
using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>
/// Runs one attempt's process: exec form unless the spec asks for a shell, in a process group of its own, stdin
/// closed, stdout and stderr read at the same time and numbered in one sequence in the order their pieces were cut.
/// The group is stopped (SIGTERM, then SIGKILL after the grace period) on timeout or on request, and whatever is left of
/// it is killed when the main process ends, so no process of an attempt outlives it.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Pieces waiting to be published; when full, the pumps (and so the child) wait.</summary>
    const int PendingPieces = 16;

    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>How the process is started: through <c>setsid</c>, which makes it the leader of a new session and group and then execs it.</summary>
    public static ProcessStartInfo StartInfo(JobSpec spec, string program, string workingDirectory, AttemptCgroup? cgroup = null, LocalUser? runAs = null)
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = "setsid",
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (cgroup is { ProcsFiles.Count: > 0 })
        {
            // Join the attempt's cgroups before anything of the job runs, so nothing it forks escapes the limits.
            startInfo.FileName = "/bin/sh";
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add("for f in $JOBS_CGROUP_PROCS; do echo $$ > \"$f\" || exit 125; done; unset JOBS_CGROUP_PROCS; exec setsid \"$@\"");
            startInfo.ArgumentList.Add("jobs-cgroup");
        }
        // The user switch comes last, after the cgroup join and setsid, which need the daemon's rights.
        foreach (var arg in runAs?.SetprivArguments() ?? [])
            startInfo.ArgumentList.Add(arg);
        startInfo.ArgumentList.Add(program);
        if (spec.Shell)
        {
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(spec.Command);
        }
        foreach (var arg in spec.Args)
            startInfo.ArgumentList.Add(arg);

        // A clean environment: nothing of the daemon's own (credentials, broker settings) leaks into jobs.
        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = DefaultPath;
        startInfo.Environment["HOME"] = workingDirectory;
        startInfo.Environment["LANG"] = "C.UTF-8";
        foreach (var (name, value) in spec.Env)
            startInfo.Environment[name] = value;
        if (cgroup is { ProcsFiles.Count: > 0 })
            startInfo.Environment["JOBS_CGROUP_PROCS"] = string.Join(' ', cgroup.ProcsFiles);
        return startInfo;
    }

    /// <summary>
    /// Runs the process to its end. <paramref name="started"/> is called once it runs; <paramref name="publish"/> gets each
    /// numbered chunk in order and is awaited before the next, which keeps the output in order and bounded in memory.
    /// </summary>
    public static async Task<AttemptResult> Run(
        JobSpec spec,
        string workingDirectory,
        AttemptControl control,
        Func<int, Task> started,
        Func<int, OutputPiece, Task> publish,
        CancellationToken cancellationToken,
        AttemptCgroup? cgroup = null,
        ExecutionPolicy? policy = null)
    {
        policy ??= ExecutionPolicy.Unrestricted;
        var (program, error) = spec.Shell ? ("/bin/sh", null) : Executable.Resolve(spec.Command, spec.Env.GetValueOrDefault("PATH", DefaultPath), workingDirectory);
        if (program is null)
            return new AttemptResult(null, error, 0, AttemptEnd.Rejected);
        if (policy.Refuse(program) is { } refused)
            return new AttemptResult(null, refused, 0, AttemptEnd.Rejected);
        if (!Directory.Exists(workingDirectory))
            return new AttemptResult(null, $"The working directory '{workingDirectory}' does not exist.", 0, AttemptEnd.Rejected);

        using var process = new Process { StartInfo = StartInfo(spec, program, workingDirectory, cgroup, policy.RunAs) };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return new AttemptResult(null, $"Could not start '{program}': {ex.Message}", 0, AttemptEnd.Rejected);
        }

        try
        {
            process.StandardInput.Close();
            await ProcessGroup.WaitUntilLeader(process.Id, cancellationToken);
            await started(process.Id);

            var supervision = Supervise(process, spec, control, cancellationToken);

            var pieces = Channel.CreateBounded<OutputPiece>(new BoundedChannelOptions(PendingPieces) { SingleReader = true });
            var pumps = Task.WhenAll(
                OutputPump.Run(process.StandardOutput.BaseStream, LogStream.Stdout, pieces.Writer, cancellationToken),
                OutputPump.Run(process.StandardError.BaseStream, LogStream.Stderr, pieces.Writer, cancellationToken));
            _ = pumps.ContinueWith(t => pieces.Writer.TryComplete(t.Exception), TaskScheduler.Default);

            var output = new OutputCap(spec.OutputCapBytes ?? long.MaxValue);
            var seq = 0;
            await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken))
            {
                // Past the cap the output is still read (the child must not block) but no longer published.
                foreach (var kept in output.Take(piece))
                    await publish(seq++, kept);
            }
            await pumps;

            var (end, signal) = await supervision;
            var oomKilled = cgroup?.OomKilled() == true ? JobAttemptFinished.OomKilled : null;
            return new AttemptResult(process.ExitCode, oomKilled, seq, end, signal, output.Total, output.Truncated);
        }
        catch
        {
            // Whatever stopped us from reporting (cancellation, a broker that failed a publish), the process must not
            // outlive the attempt: a retry would otherwise run it a second time beside the orphan.
            ProcessGroup.Signal(process.Id, ProcessGroup.SigKill);
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Waits for the main process to end, stopping its group first on timeout or request; then kills what is left of the group.</summary>
    static async Task<(AttemptEnd End, int? Signal)> Supervise(Process process, JobSpec spec, AttemptControl control, CancellationToken cancellationToken)
    {
        var exited = process.WaitForExitAsync(cancellationToken);
        var timeout = spec.TimeoutSeconds is { } seconds
            ? Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken)
            : Task.Delay(Timeout.Infinite, cancellationToken);

        var first = await Task.WhenAny(exited, timeout, control.StopRequested);
        var end = AttemptEnd.Exited;
        int? signal = null;
        if (first != exited)
        {
            end = first == timeout ? AttemptEnd.TimedOut : control.StopEnd;
            var grace = first == timeout ? TimeSpan.FromSeconds(spec.CancelGraceSeconds) : await control.StopRequested;
            ProcessGroup.Signal(process.Id, ProcessGroup.SigTerm);
            signal = ProcessGroup.SigTerm;
            if (await Task.WhenAny(exited, Task.Delay(grace, cancellationToken)) != exited)
                signal = ProcessGroup.SigKill;
        }

        // Nothing of the attempt outlives it: stragglers (background children, or all of it after the grace) are killed.
        ProcessGroup.Signal(process.Id, ProcessGroup.SigKill);
        await exited;
        return (end, signal);
    }
}
