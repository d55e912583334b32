using System.Diagnostics;
using System.Globalization;
using System.Text;
using Jobs.Contracts;
using Jobs.Executor.Execution;
using Jobs.Testing;

namespace Jobs.Executor.Tests;

public sealed class ProcessRunnerTests
{
    static readonly string WorkingDirectory = Path.GetTempPath();

    /// <summary>How long a process may take to disappear after the runner says it is done with it.</summary>
    static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task EchoHello_ExitsZeroWithOneStdoutPiece()
    {
        var run = await Run(Exec("echo", "hello"));

        Assert.Equal(new AttemptResult(0, null, 1, OutputBytes: "hello\n".Length), run.Result);
        var (seq, piece) = Assert.Single(run.Published);
        Assert.Equal(0, seq);
        Assert.Equal(LogStream.Stdout, piece.Stream);
        Assert.Equal("hello\n", Encoding.UTF8.GetString(piece.Data));
    }

    [Fact]
    public async Task ExecForm_PassesArgumentsVerbatimWithoutAShell()
    {
        var run = await Run(Exec("printf", "%s|%s|%s", "$HOME", "a b", "*"));

        Assert.Equal(0, run.Result.ExitCode);
        Assert.Equal("$HOME|a b|*", run.Stdout);
    }

    [Fact]
    public void ExecForm_StartsTheResolvedProgramThroughSetsidWithTheArguments()
    {
        var startInfo = ProcessRunner.StartInfo(Exec("printf", "a b", "*"), "/usr/bin/printf", WorkingDirectory);

        Assert.Equal("setsid", startInfo.FileName);
        Assert.Equal(new[] { "/usr/bin/printf", "a b", "*" }, startInfo.ArgumentList);
        Assert.Equal(WorkingDirectory, startInfo.WorkingDirectory);
    }

    [Fact]
    public async Task ExecForm_RunsTheProgramFoundOnPath()
    {
        var (resolved, error) = Executable.Resolve("sh", Environment.GetEnvironmentVariable("PATH"));
        Assert.Null(error);
        Assert.NotNull(resolved);

        // $0 is the name the program was executed as: the path the runner resolved, not the bare name.
        var run = await Run(Exec("sh", "-c", "echo $0"));

        Assert.Equal(0, run.Result.ExitCode);
        Assert.True(Path.IsPathRooted(resolved), resolved);
        Assert.Equal($"{resolved}\n", run.Stdout);
    }

    [Fact]
    public async Task ShellForm_RunsTheCommandWithBinShDashC()
    {
        const string command = "echo $((1 + 2)) $0 | tr 3 x";
        var spec = Shell(command);

        var startInfo = ProcessRunner.StartInfo(spec, "/bin/sh", WorkingDirectory);
        var run = await Run(spec);

        Assert.Equal("setsid", startInfo.FileName);
        Assert.Equal(new[] { "/bin/sh", "-c", command }, startInfo.ArgumentList);
        Assert.Equal(0, run.Result.ExitCode);
        Assert.Equal("x /bin/sh\n", run.Stdout);
    }

    [Fact]
    public async Task ExitThree_IsTheResultsExitCode()
    {
        var run = await Run(Shell("exit 3"));

        Assert.Equal(new AttemptResult(3, null, 0), run.Result);
    }

    [Fact]
    public async Task Stderr_IsCapturedAsTheStderrStream()
    {
        var run = await Run(Shell("echo oops >&2"));

        var (_, piece) = Assert.Single(run.Published);
        Assert.Equal(LogStream.Stderr, piece.Stream);
        Assert.Equal("oops\n", Encoding.UTF8.GetString(piece.Data));
    }

    [Fact]
    public async Task MissingExecutable_IsRejectedWithAnErrorNamingTheProgram()
    {
        const string program = "/nonexistent/jobs-missing-program";

        var run = await Run(Exec(program));

        AssertRejected(run, program);
        Assert.Equal($"'{program}' does not exist.", run.Result.Error);
    }

    [Fact]
    public async Task ProgramNotOnPath_IsRejectedWithAnErrorNamingTheProgram()
    {
        const string program = "nosuchprogram-xyz";

        var run = await Run(Exec(program, "arg"));

        AssertRejected(run, program);
        Assert.Equal($"'{program}' was not found on PATH.", run.Result.Error);
    }

    [Fact]
    public async Task NonExecutableFile_IsRejectedWithAnErrorNamingIt()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("jobs-runner-").FullName, "not-executable");
        try
        {
            await File.WriteAllTextAsync(file, "#!/bin/sh\necho should not run\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var run = await Run(Exec(file));

            AssertRejected(run, file);
            Assert.Equal($"'{file}' is not executable.", run.Result.Error);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task DirectoryAsTheCommand_IsRejectedWithAnErrorNamingIt()
    {
        var directory = Directory.CreateTempSubdirectory("jobs-runner-").FullName;
        try
        {
            var run = await Run(Exec(directory));

            AssertRejected(run, directory);
            Assert.Equal($"'{directory}' is a directory.", run.Result.Error);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MissingWorkingDirectory_IsRejectedWithAnErrorNamingIt(bool shell)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"jobs-missing-{Guid.NewGuid():N}");

        var run = await Run(shell ? Shell("echo hi") : Exec("echo", "hi"), workingDirectory: missing);

        AssertRejected(run, missing);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Started_IsCalledWithTheProcessPidBeforeAnyOutput()
    {
        var run = await Run(Shell("echo $$"));

        Assert.NotNull(run.Pid);
        Assert.Equal($"{run.Pid}\n", run.Stdout);
        Assert.Equal(["started", "publish 0"], run.Events);
    }

    [Fact]
    public async Task ShellProcess_LeadsItsOwnProcessGroupAndSession()
    {
        var run = await Run(Shell("cat /proc/$$/stat"));

        Assert.Equal(0, run.Result.ExitCode);
        var stat = ProcStat.Parse(run.Stdout);
        Assert.Equal(run.Pid, stat.Pid);
        Assert.Equal(stat.Pid, stat.ProcessGroup);
        Assert.Equal(stat.Pid, stat.Session);
    }

    [Fact]
    public async Task ExecProcess_IsTheStartedPidAndLeadsItsOwnProcessGroup()
    {
        // /proc/self is cat itself: setsid exec'd it in place, so it kept the pid the runner reported.
        var run = await Run(Exec("cat", "/proc/self/stat"));

        Assert.Equal(0, run.Result.ExitCode);
        var stat = ProcStat.Parse(run.Stdout);
        Assert.Equal(run.Pid, stat.Pid);
        Assert.Equal(stat.Pid, stat.ProcessGroup);
        Assert.Equal(stat.Pid, stat.Session);
    }

    [Fact]
    public async Task OutputOfBothStreams_IsNumberedFromZeroInTheOrderItWasCut()
    {
        // The pauses outlast the 200 ms flush delay, so each line is a piece of its own.
        var run = await Run(Shell("echo one; sleep 0.6; echo two >&2; sleep 0.6; echo three"));

        Assert.Equal(3, run.Result.LogChunks);
        Assert.Equal(new[] { 0, 1, 2 }, run.Published.Select(p => p.Seq));
        Assert.Equal(
            new[] { (LogStream.Stdout, "one\n"), (LogStream.Stderr, "two\n"), (LogStream.Stdout, "three\n") },
            run.Published.Select(p => (p.Piece.Stream, Encoding.UTF8.GetString(p.Piece.Data))));
    }

    [Fact]
    public async Task LargeOutput_ArrivesCompleteInPiecesOfAtMost64KiB()
    {
        const int size = 10_000_000;

        var run = await Run(Exec("head", "-c", size.ToString(CultureInfo.InvariantCulture), "/dev/zero"), TimeSpan.FromSeconds(60));

        Assert.Equal(0, run.Result.ExitCode);
        Assert.Equal(size, run.Published.Sum(p => p.Piece.Data.Length));
        Assert.All(run.Published, p => Assert.InRange(p.Piece.Data.Length, 1, OutputPump.MaxPieceBytes));
        Assert.All(run.Published, p => Assert.Equal(LogStream.Stdout, p.Piece.Stream));
        Assert.All(run.Published, p => Assert.DoesNotContain(p.Piece.Data, b => b != 0));
        Assert.Equal(Enumerable.Range(0, run.Published.Count), run.Published.Select(p => p.Seq));
        Assert.Equal(run.Published.Count, run.Result.LogChunks);
    }

    [Fact]
    public async Task Stdin_IsClosedSoCatExitsAtOnceWithNoOutput()
    {
        // If stdin were left open, cat would wait on it until the deadline cancels the run.
        var run = await Run(Exec("cat"), TimeSpan.FromSeconds(10));

        Assert.Equal(new AttemptResult(0, null, 0), run.Result);
        Assert.Empty(run.Published);
    }

    [Fact]
    public async Task WorkingDirectory_IsTheProcessCurrentDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("jobs-runner-").FullName;
        try
        {
            var run = await Run(Exec("pwd"), workingDirectory: directory);

            Assert.Equal($"{directory}\n", run.Stdout);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public async Task Timeout_StopsTheProcessWithSigtermAndEndsTimedOut()
    {
        var run = await Run(Exec("sleep", "600") with { TimeoutSeconds = 1 });

        Assert.Equal(AttemptEnd.TimedOut, run.Result.End);
        Assert.Equal(ProcessGroup.SigTerm, run.Result.Signal);
        Assert.Equal(128 + ProcessGroup.SigTerm, run.Result.ExitCode);
        Assert.Null(run.Result.Error);
        // Not before the timeout, and not after the (default, 10 s) grace: sleep dies of SIGTERM at once.
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        await AssertGone(run.Pid!.Value);
    }

    [Fact]
    public async Task Timeout_StopsEveryProcessOfTheGroup()
    {
        IReadOnlyList<int> membersWhileRunning = [];
        var run = await Run(
            Shell("sleep 600 & echo $!; sleep 600 & echo $!; wait") with { TimeoutSeconds = 1 },
            onOutput: recording =>
            {
                if (Lines(recording.Stdout).Length == 2)
                    membersWhileRunning = ProcStat.LiveMembers(recording.Pid!.Value);
                return Task.CompletedTask;
            });

        var shell = run.Pid!.Value;
        var children = Lines(run.Stdout).Select(int.Parse).ToArray();
        Assert.Equal(2, children.Length);
        Assert.Equal(new[] { shell, children[0], children[1] }.Order(), membersWhileRunning.Order());
        Assert.Equal(AttemptEnd.TimedOut, run.Result.End);
        Assert.Equal(ProcessGroup.SigTerm, run.Result.Signal);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        await AssertGroupGone(shell);
        foreach (var child in children)
            await AssertGone(child);
    }

    [Fact]
    public async Task TimeoutOfAProcessIgnoringSigterm_EscalatesToSigkillAfterTheGrace()
    {
        // The trap is inherited: the sleeps ignore SIGTERM too, so only SIGKILL ends the group.
        var run = await Run(Shell("trap '' TERM; while :; do sleep 0.1; done") with { TimeoutSeconds = 1, CancelGraceSeconds = 1 });

        Assert.Equal(AttemptEnd.TimedOut, run.Result.End);
        Assert.Equal(ProcessGroup.SigKill, run.Result.Signal);
        Assert.Equal(128 + ProcessGroup.SigKill, run.Result.ExitCode);
        // Timeout (1 s) plus grace (1 s): SIGKILL is not sent before the grace has passed.
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(8));
        await AssertGroupGone(run.Pid!.Value);
    }

    [Fact]
    public async Task NoTimeout_LetsTheProcessRunToItsEnd()
    {
        var run = await Run(Shell("sleep 1.5; echo done") with { TimeoutSeconds = 10 });

        Assert.Equal(new AttemptResult(0, null, 1, OutputBytes: "done\n".Length), run.Result);
        Assert.Equal("done\n", run.Stdout);
    }

    [Fact]
    public async Task RequestStop_StopsARunningProcessWithSigtermAndEndsStopped()
    {
        var control = new AttemptControl();
        var run = Start(Exec("sleep", "600"), control);
        var pid = await run.Started.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilRunsInItsOwnGroup(pid, "sleep");

        var stopped = Stopwatch.StartNew();
        control.RequestStop(TimeSpan.FromSeconds(10));
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(AttemptEnd.Stopped, run.Result.End);
        Assert.Equal(ProcessGroup.SigTerm, run.Result.Signal);
        Assert.Equal(128 + ProcessGroup.SigTerm, run.Result.ExitCode);
        Assert.Null(run.Result.Error);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(8), $"the run ended {stopped.Elapsed.TotalSeconds:0.0} s after the stop");
        await AssertGone(pid);
    }

    [Fact]
    public async Task RequestStopOfAProcessIgnoringSigterm_EscalatesToSigkillAfterTheGrace()
    {
        var control = new AttemptControl();
        var stopped = new Stopwatch();
        var run = await Run(
            Shell("trap '' TERM; echo ready; while :; do sleep 0.1; done"),
            control: control,
            onOutput: recording =>
            {
                if (recording.Stdout.Contains("ready", StringComparison.Ordinal) && !stopped.IsRunning)
                {
                    stopped.Start();
                    control.RequestStop(TimeSpan.FromSeconds(1));
                }
                return Task.CompletedTask;
            });

        Assert.Equal(AttemptEnd.Stopped, run.Result.End);
        Assert.Equal(ProcessGroup.SigKill, run.Result.Signal);
        Assert.Equal(128 + ProcessGroup.SigKill, run.Result.ExitCode);
        Assert.InRange(stopped.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(8));
        await AssertGroupGone(run.Pid!.Value);
    }

    [Fact]
    public async Task RequestStopBeforeTheRunStarts_StopsTheProcessWithSigterm()
    {
        // ExecuteJobConsumer registers the control (TryBegin) before it starts the process, so a StopJob can complete
        // StopRequested before the process exists; Supervise then signals at once.
        var control = new AttemptControl();
        control.RequestStop(TimeSpan.FromSeconds(5));

        var run = await Run(Exec("sleep", "600"), control: control);

        Assert.Equal(AttemptEnd.Stopped, run.Result.End);
        Assert.Equal(ProcessGroup.SigTerm, run.Result.Signal);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(4), $"the run took {run.Elapsed.TotalSeconds:0.0} s");
        await AssertGroupGone(run.Pid!.Value);
    }

    [Theory]
    [InlineData("sleep 600 & echo $!")]
    [InlineData("sleep 600 >/dev/null 2>&1 & echo $!")]
    public async Task BackgroundChildOutlivingTheMainProcess_IsKilledAndTheRunEndsPromptly(string command)
    {
        var run = await Run(Shell(command)).WaitAsync(TimeSpan.FromSeconds(15));

        var child = int.Parse(Lines(run.Stdout).Single(), CultureInfo.InvariantCulture);
        Assert.Equal(new AttemptResult(0, null, 1, OutputBytes: run.Stdout.Length), run.Result);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(8), $"the run took {run.Elapsed.TotalSeconds:0.0} s");
        await AssertGone(child);
        await AssertGroupGone(run.Pid!.Value);
    }

    [Fact]
    public async Task Cancellation_KillsTheProcessAndEndsTheRunQuickly()
    {
        using var cancellation = new CancellationTokenSource();
        var pid = 0;
        var cancelledAt = new Stopwatch();

        var run = ProcessRunner.Run(
            Exec("sleep", "30"),
            WorkingDirectory,
            new AttemptControl(),
            started =>
            {
                pid = started;
                cancelledAt.Start();
                cancellation.Cancel();
                return Task.CompletedTask;
            },
            (_, _) => Task.CompletedTask,
            cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(5), $"the run ended {cancelledAt.Elapsed.TotalSeconds:0.0} s after cancellation");
        Assert.NotEqual(0, pid);
        await AssertGone(pid);
    }

    [Fact]
    public async Task PublishFailure_KillsTheProcessInsteadOfOrphaningIt()
    {
        var pid = 0;

        var run = ProcessRunner.Run(
            Shell("echo x; sleep 30"),
            WorkingDirectory,
            new AttemptControl(),
            started =>
            {
                pid = started;
                return Task.CompletedTask;
            },
            (_, _) => throw new InvalidOperationException("broker unavailable"),
            CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(0, pid);
        await AssertGone(pid);
    }

    [Fact]
    public async Task PublishFailure_KillsTheWholeGroup()
    {
        var pid = 0;
        var child = 0;

        var run = ProcessRunner.Run(
            Shell("sleep 600 >/dev/null 2>&1 & echo $!; wait"),
            WorkingDirectory,
            new AttemptControl(),
            started =>
            {
                pid = started;
                return Task.CompletedTask;
            },
            (_, piece) =>
            {
                child = int.Parse(Encoding.UTF8.GetString(piece.Data).Trim(), CultureInfo.InvariantCulture);
                throw new InvalidOperationException("broker unavailable");
            },
            CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(0, child);
        await AssertGone(child);
        await AssertGroupGone(pid);
    }

    [Fact]
    public async Task CancellationWhileOutputFlows_KillsTheProcess()
    {
        using var cancellation = new CancellationTokenSource();
        var pid = 0;

        var run = ProcessRunner.Run(
            Shell("while :; do echo tick; sleep 0.05; done"),
            WorkingDirectory,
            new AttemptControl(),
            started =>
            {
                pid = started;
                return Task.CompletedTask;
            },
            async (seq, _) =>
            {
                if (seq == 2)
                    await cancellation.CancelAsync();
            },
            cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        await AssertGone(pid);
        await AssertGroupGone(pid);
    }

    static JobSpec Exec(string command, params string[] args) => new(command, args, false, "default");

    static JobSpec Shell(string command) => new(command, [], true, "default");

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    static void AssertRejected(Recording run, string named)
    {
        Assert.Equal(AttemptEnd.Rejected, run.Result.End);
        Assert.Null(run.Result.ExitCode);
        Assert.Null(run.Result.Signal);
        Assert.Equal(0, run.Result.LogChunks);
        Assert.NotNull(run.Result.Error);
        Assert.Contains($"'{named}'", run.Result.Error, StringComparison.Ordinal);
        Assert.Null(run.Pid);
        Assert.Empty(run.Events);
    }

    /// <summary>Waits until the process has left setsid (it runs <paramref name="program"/>) and leads its own group.</summary>
    static async Task WaitUntilRunsInItsOwnGroup(int pid, string program) =>
        await Eventually.Get(
            () => Task.FromResult((Stat: ProcStat.Read(pid), Comm: ReadComm(pid))),
            state => state.Stat?.ProcessGroup == pid && state.Comm == program,
            TimeSpan.FromSeconds(5),
            $"process {pid} to run {program} in its own process group");

    static string? ReadComm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return null;
        }
    }

    static async Task AssertGone(int pid) =>
        await Eventually.Get(() => Task.FromResult(ProcStat.Gone(pid)), gone => gone, GoneWithin, $"process {pid} to be gone");

    static async Task AssertGroupGone(int processGroup) =>
        await Eventually.Get(
            () => Task.FromResult(string.Join(",", ProcStat.LiveMembers(processGroup))),
            members => members.Length == 0,
            GoneWithin,
            $"process group {processGroup} to have no process left");

    static async Task<Recording> Run(
        JobSpec spec,
        TimeSpan? timeout = null,
        string? workingDirectory = null,
        AttemptControl? control = null,
        Func<Recording, Task>? onOutput = null)
    {
        var run = Start(spec, control, timeout, workingDirectory, onOutput);
        await run.Completion;
        return run;
    }

    /// <summary>Starts a run (cancelled after <paramref name="timeout"/>, 20 s by default) and records what it does.</summary>
    static Recording Start(
        JobSpec spec,
        AttemptControl? control = null,
        TimeSpan? timeout = null,
        string? workingDirectory = null,
        Func<Recording, Task>? onOutput = null)
    {
        var recording = new Recording();
        recording.Completion = RunIt();
        return recording;

        async Task RunIt()
        {
            using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            var clock = Stopwatch.StartNew();
            recording.Result = await ProcessRunner.Run(
                spec,
                workingDirectory ?? WorkingDirectory,
                control ?? new AttemptControl(),
                pid =>
                {
                    recording.Events.Add("started");
                    recording.SetStarted(pid);
                    return Task.CompletedTask;
                },
                async (seq, piece) =>
                {
                    recording.Events.Add($"publish {seq}");
                    recording.Published.Add((seq, piece));
                    if (onOutput is not null)
                        await onOutput(recording);
                },
                deadline.Token);
            recording.Elapsed = clock.Elapsed;
        }
    }

    sealed class Recording
    {
        readonly TaskCompletionSource<int> started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<int> Started => started.Task;
        public int? Pid => started.Task.IsCompletedSuccessfully ? started.Task.Result : null;
        public Task Completion { get; set; } = Task.CompletedTask;
        public AttemptResult Result { get; set; } = null!;
        public TimeSpan Elapsed { get; set; }
        public List<string> Events { get; } = [];
        public List<(int Seq, OutputPiece Piece)> Published { get; } = [];
        public string Stdout => Encoding.UTF8.GetString([.. Published.Where(p => p.Piece.Stream == LogStream.Stdout).SelectMany(p => p.Piece.Data)]);

        public void SetStarted(int pid) => started.TrySetResult(pid);
    }
}
