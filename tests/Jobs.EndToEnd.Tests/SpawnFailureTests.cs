using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// Scenario 8: the executor cannot start the process — no such binary, few tasks left under a pids limit, few file
/// descriptors left under its open-files limit. Each attempt ends Rejected with the reason, the retries stop at MaxAttempts
/// and wait out the backoff between them (no hot loop), and once the resource is back the same executor runs the next
/// job. The limits are put on the running executor from outside (a pids cgroup, prlimit), as an exhausted host would,
/// each a little above what it holds: it keeps a reserve of tasks and descriptors for itself (a .NET runtime that cannot
/// start a thread or open a descriptor dies: "Out of memory.", seen in CI with no room at all), so it refuses the spawn
/// before the OS would. RLIMIT_NPROC itself is not used: the executor runs as root, which the kernel exempts from it.
/// </summary>
public sealed class SpawnFailureTests(SpawnFailureTests.OneExecutor fixture) : IClassFixture<SpawnFailureTests.OneExecutor>
{
    /// <summary>Backoff 1 s then 2 s, no jitter, so the gaps between attempts have known floors.</summary>
    static readonly object Retry = new { maxAttempts = 3, initialDelaySeconds = 1, backoffMultiplier = 2, jitter = 0, retryOn = new[] { "rejected" } };
    static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    readonly JobsSystem system = fixture.System;
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);
    ServiceProcess Executor => system.Services["executor-1"];

    [Fact]
    public async Task MissingBinary_EveryAttemptRejectedSayingSo_RetriesBoundedAndSpacedByTheBackoff()
    {
        var job = await RunToEnd(new { command = "/opt/jobs-no-such-dir/no-such-binary", retry = Retry });

        AssertRejectedAttempts(job, "'/opt/jobs-no-such-dir/no-such-binary' does not exist.");
        await AssertRunsTheNextJob();
    }

    [Fact]
    public async Task FewTasksLeftUnderAPidsLimit_EveryAttemptRejectedNamingTheLimit_AndTheExecutorRecovers()
    {
        JsonElement job;
        await using (await PidsLimit.Hold(Executor.ProcessId))
            job = await RunToEnd(new { command = "/bin/echo", args = new[] { "never" }, retry = Retry });

        AssertRejectedAttempts(job, "allows are free, and it keeps 32 for itself (Executor:TaskReserve)");
        Assert.Contains("the cgroup /jobs-spawn-test-", job.GetProperty("attempts")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertRunsTheNextJob();
    }

    [Fact]
    public async Task FewFileDescriptorsLeft_EveryAttemptRejectedNamingTheLimit_AndTheExecutorRecovers()
    {
        var pid = Executor.ProcessId.ToString(CultureInfo.InvariantCulture);
        var before = (await Prlimit("--pid", pid, "--nofile", "--raw", "--noheadings", "--output=SOFT")).Trim();
        // Room for 16 more: below the executor's reserve (64), so no attempt may take any, but the runtime still has some.
        var lowered = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length + 16;
        JsonElement job;
        await Prlimit("--pid", pid, $"--nofile={lowered}:");
        try
        {
            job = await RunToEnd(new { command = "/bin/echo", args = new[] { "never" }, retry = Retry });
        }
        finally
        {
            await Prlimit("--pid", pid, $"--nofile={before}:");
        }

        AssertRejectedAttempts(job, $"file descriptors are free, and it keeps 64 for itself (Executor:DescriptorReserve)");
        Assert.Contains($"of its {lowered} file descriptors", job.GetProperty("attempts")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertRunsTheNextJob();
    }

    static async Task<string> Prlimit(params string[] args)
    {
        var startInfo = new ProcessStartInfo("prlimit") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            startInfo.ArgumentList.Add(arg);
        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"prlimit {string.Join(' ', args)}: {error}");
        return output;
    }

    async Task<JsonElement> RunToEnd(object spec)
    {
        var id = await jobs.Submit(spec);
        return await jobs.WaitTerminal(id, TimeSpan.FromSeconds(60));
    }

    /// <summary>Failed after exactly MaxAttempts attempts, each Rejected with the reason, each after the backoff since the last.</summary>
    static void AssertRejectedAttempts(JsonElement job, string reason)
    {
        Assert.Equal("Failed", job.GetProperty("status").GetString());
        var attempts = job.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Equal("Rejected", a.GetProperty("outcome").GetString());
            Assert.Contains(reason, a.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, a.GetProperty("exitCode").ValueKind);
        });
        for (var i = 1; i < attempts.Count; i++)
        {
            var gap = attempts[i].GetProperty("startedAt").GetDateTimeOffset() - attempts[i - 1].GetProperty("finishedAt").GetDateTimeOffset();
            Assert.True(gap >= Backoff[i - 1], $"Attempt {i + 1} started {gap.TotalSeconds:0.000} s after attempt {i} ended; the backoff is {Backoff[i - 1].TotalSeconds} s.");
        }
    }

    async Task AssertRunsTheNextJob()
    {
        Assert.False(Executor.HasExited);
        await Executor.WaitHealthy(TimeSpan.FromSeconds(30));
        var id = await jobs.Submit(new { command = "/bin/echo", args = new[] { "after" } });
        var job = await jobs.WaitTerminal(id);
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Equal("after\n", await jobs.Output(id));
    }

    /// <summary>
    /// A pids cgroup (v1 or v2) holding the executor with room for 8 more tasks (fewer than it keeps for itself);
    /// disposing puts the executor back in the cgroup it came from and removes this one.
    /// </summary>
    sealed class PidsLimit(int pid, string directory, string home) : IAsyncDisposable
    {
        public static Task<PidsLimit> Hold(int pid)
        {
            var v1 = Directory.Exists("/sys/fs/cgroup/pids");
            var root = v1 ? "/sys/fs/cgroup/pids" : "/sys/fs/cgroup";
            var line = File.ReadLines($"/proc/{pid}/cgroup").First(l => v1 ? l.Split(':')[1].Split(',').Contains("pids") : l.StartsWith("0::", StringComparison.Ordinal));
            var home = root + line.Split(':', 3)[2];
            var directory = Path.Combine(root, $"jobs-spawn-test-{Guid.NewGuid():N}");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
            var tasks = long.Parse(File.ReadAllText(Path.Combine(directory, "pids.current")).Trim(), CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(directory, "pids.max"), (tasks + 8).ToString(CultureInfo.InvariantCulture));
            return Task.FromResult(new PidsLimit(pid, directory, home));
        }

        public async ValueTask DisposeAsync()
        {
            File.WriteAllText(Path.Combine(home, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
            // The kernel lets go of an emptied cgroup a moment after its last task leaves.
            await Eventually.Get(() => Task.FromResult(TryRemove(directory)), removed => removed, TimeSpan.FromSeconds(10), $"{directory} to be removed");
        }

        static bool TryRemove(string directory)
        {
            try
            {
                Directory.Delete(directory);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>A system of its own with one executor, so every attempt lands on the one that is starved.</summary>
    public sealed class OneExecutor : IAsyncLifetime
    {
        JobsSystem? system;

        public JobsSystem System => system ?? throw new InvalidOperationException("The system has not started.");

        public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 1, slotsPerExecutor: 2);

        public async Task DisposeAsync()
        {
            if (system is not null)
                await system.DisposeAsync();
        }
    }
}
