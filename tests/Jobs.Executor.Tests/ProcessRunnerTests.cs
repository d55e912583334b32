using System.Diagnostics;
using System.Text;
using Jobs.Contracts;
using Jobs.Executor.Execution;
using Jobs.Testing;

namespace Jobs.Executor.Tests;

public sealed class ProcessRunnerTests
{
    static readonly string WorkingDirectory = Path.GetTempPath();

    [Fact]
    public async Task EchoHello_ExitsZeroWithOneStdoutPiece()
    {
        var run = await Run(Exec("echo", "hello"));

        Assert.Equal(new AttemptResult(0, null, 1), run.Result);
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
    public async Task ShellForm_RunsTheCommandWithBinShDashC()
    {
        const string command = "echo $((1 + 2)) | tr 3 x";
        var spec = Shell(command);

        var startInfo = ProcessRunner.StartInfo(spec, WorkingDirectory);
        var run = await Run(spec);

        Assert.Equal("/bin/sh", startInfo.FileName);
        Assert.Equal(new[] { "-c", command }, startInfo.ArgumentList);
        Assert.Equal(0, run.Result.ExitCode);
        Assert.Equal("x\n", run.Stdout);
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
    public async Task MissingExecutable_ReturnsNoExitCodeAndAnErrorNamingTheProgram()
    {
        const string program = "/nonexistent/jobs-missing-program";

        var run = await Run(Exec(program));

        Assert.Null(run.Result.ExitCode);
        Assert.Contains(program, run.Result.Error, StringComparison.Ordinal);
        Assert.Equal(0, run.Result.LogChunks);
        Assert.Null(run.Pid);
        Assert.Empty(run.Published);
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

        var run = await Run(Exec("head", "-c", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero"), TimeSpan.FromSeconds(60));

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
    public async Task Cancellation_KillsTheProcessAndEndsTheRunQuickly()
    {
        using var cancellation = new CancellationTokenSource();
        var pid = 0;
        var cancelledAt = new Stopwatch();

        var run = ProcessRunner.Run(
            Exec("sleep", "30"),
            WorkingDirectory,
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
        await Eventually.Get(
            () => Task.FromResult(Directory.Exists($"/proc/{pid}")),
            exists => !exists,
            TimeSpan.FromSeconds(5),
            $"process {pid} to be gone");
    }

    [Fact]
    public async Task PublishFailure_KillsTheProcessInsteadOfOrphaningIt()
    {
        var pid = 0;

        var run = ProcessRunner.Run(
            Shell("echo x; sleep 30"),
            WorkingDirectory,
            started =>
            {
                pid = started;
                return Task.CompletedTask;
            },
            (_, _) => throw new InvalidOperationException("broker unavailable"),
            CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(0, pid);
        await Eventually.Get(
            () => Task.FromResult(Directory.Exists($"/proc/{pid}")),
            exists => !exists,
            TimeSpan.FromSeconds(5),
            $"process {pid} to be gone");
    }

    [Fact]
    public async Task CancellationWhileOutputFlows_KillsTheProcess()
    {
        using var cancellation = new CancellationTokenSource();
        var pid = 0;

        var run = ProcessRunner.Run(
            Shell("while :; do echo tick; sleep 0.05; done"),
            WorkingDirectory,
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
        await Eventually.Get(
            () => Task.FromResult(Directory.Exists($"/proc/{pid}")),
            exists => !exists,
            TimeSpan.FromSeconds(5),
            $"process {pid} to be gone");
    }

    static JobSpec Exec(string command, params string[] args) => new(command, args, false, "default");

    static JobSpec Shell(string command) => new(command, [], true, "default");

    static async Task<Recording> Run(JobSpec spec, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var recording = new Recording();
        var result = await ProcessRunner.Run(
            spec,
            workingDirectory ?? WorkingDirectory,
            pid =>
            {
                recording.Pid = pid;
                recording.Events.Add("started");
                return Task.CompletedTask;
            },
            (seq, piece) =>
            {
                recording.Events.Add($"publish {seq}");
                recording.Published.Add((seq, piece));
                return Task.CompletedTask;
            },
            deadline.Token);
        recording.Result = result;
        return recording;
    }

    sealed class Recording
    {
        public int? Pid { get; set; }
        public AttemptResult Result { get; set; } = null!;
        public List<string> Events { get; } = [];
        public List<(int Seq, OutputPiece Piece)> Published { get; } = [];
        public string Stdout => Encoding.UTF8.GetString([.. Published.Where(p => p.Piece.Stream == LogStream.Stdout).SelectMany(p => p.Piece.Data)]);
    }
}
