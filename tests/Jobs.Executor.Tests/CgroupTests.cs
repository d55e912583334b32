using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

/// <summary>
/// Limits enforced with real cgroups. This machine kind (and CI) has writable cgroup v1 controllers for cpu, memory and
/// pids, so the executor must find and use them here.
/// </summary>
public sealed class CgroupTests
{
    static readonly Cgroups Host = Cgroups.Detect();

    [Fact]
    public void Detect_FindsCpuIoMemoryAndPidsOnThisHost()
    {
        Assert.NotNull(Host.Version);
        Assert.Equal([Cgroups.Cpu, Cgroups.Io, Cgroups.Memory, Cgroups.Pids], Host.Enforceable);
    }

    [Fact]
    public async Task MemoryLimit_OomKillsTheProcessAndSaysSo()
    {
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { MemoryMb = 32 })!;

        var (result, _) = await Run("head -c 300000000 /dev/zero | tail > /dev/null; echo survived", cgroup);

        Assert.Equal("oom-killed", result.Error);
        Assert.Equal([Cgroups.Memory], cgroup.Enforced);
        await cgroup.Remove();
    }

    [Fact]
    public async Task PidsLimit_StopsAForkBombShort()
    {
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { Pids = 4 })!;

        var (result, output) = await Run("for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait; echo finished", cgroup);

        Assert.Contains("fork", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([Cgroups.Pids], cgroup.Enforced);
        Assert.Null(result.Error);
        await cgroup.Remove();
    }

    [Fact]
    public async Task CpuLimit_IsWrittenToTheCgroupTheProcessRunsIn()
    {
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { CpuPercent = 50 })!;
        var quotaFile = Host.Version == 2 ? "cpu.max" : "cpu.cfs_quota_us";

        var (_, output) = await Run($"cat /sys/fs/cgroup/{(Host.Version == 2 ? "" : "cpu")}$(grep -E '^[0-9]+:(cpu|cpu,cpuacct|):' /proc/self/cgroup | head -1 | cut -d: -f3)/{quotaFile}", cgroup);

        Assert.StartsWith("50000", output.Trim(), StringComparison.Ordinal);
        await cgroup.Remove();
    }

    [Fact]
    public async Task CpuLimitOfTwentyPercent_HoldsASpinnerToAboutAFifthOfACore()
    {
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { CpuPercent = 20 })!;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (result, _) = await Run("while :; do :; done", cgroup, timeoutSeconds: 3);
        var share = cgroup.CpuMicroseconds()!.Value / clock.Elapsed.TotalMicroseconds;

        Assert.Equal(AttemptEnd.TimedOut, result.End);
        // Unlimited, a spinner takes a whole core (share 1.0); the quota holds it near 0.2. A loaded machine can only
        // lower the share, so the lower bound just proves the spinner ran.
        Assert.InRange(share, 0.05, 0.3);
        await cgroup.Remove();
    }

    [Fact]
    public async Task IoLimit_ThrottlesDirectWritesToTheLimit()
    {
        const long limit = 2_000_000;
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { IoBytesPerSecond = limit, MemoryMb = 256 })!;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (result, output) = await Run("dd if=/dev/zero of=out bs=1M count=6 oflag=direct", cgroup);
        var rate = 6 * 1024 * 1024 / clock.Elapsed.TotalSeconds;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([Cgroups.Io, Cgroups.Memory], cgroup.Enforced);
        Assert.Empty(cgroup.Unenforced);
        // Unthrottled, this disk writes hundreds of MB/s; the limit holds it near 2 MB/s (only slower when loaded).
        Assert.True(rate < limit * 1.3, $"{rate:F0} B/s written under a {limit} B/s limit: {output}");
        await cgroup.Remove();
    }

    [Fact]
    public async Task Usage_ReportsCpuTimeAndPeakMemory()
    {
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { Pids = 100 })!;

        await Run("head -c 50000000 /dev/zero | tail -c 1 > /dev/null", cgroup);

        Assert.True(cgroup.CpuMicroseconds() > 0);
        Assert.True(cgroup.PeakMemoryBytes() > 0);
        await cgroup.Remove();
    }

    [Fact]
    public void HostWithoutCgroups_RecordsEveryRequestedLimitAsNotEnforced()
    {
        var empty = Directory.CreateTempSubdirectory("jobs-no-cgroups-").FullName;
        try
        {
            var host = Cgroups.Detect(root: empty, blockDevices: empty);

            var cgroup = host.Create("attempt", new ResourceLimits { CpuPercent = 50, MemoryMb = 64, IoBytesPerSecond = 1000, Pids = 10 })!;

            Assert.Null(host.Version);
            Assert.Empty(host.Enforceable);
            Assert.Empty(cgroup.Enforced);
            Assert.Equal([Cgroups.Cpu, Cgroups.Io, Cgroups.Memory, Cgroups.Pids], cgroup.Unenforced);
            Assert.Empty(cgroup.ProcsFiles);
            Assert.Null(cgroup.CpuMicroseconds());
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void NoLimits_MakesNoCgroup()
    {
        Assert.Null(Host.Create("unused", new ResourceLimits()));
    }

    [Fact]
    public async Task Remove_DeletesTheAttemptsCgroups()
    {
        var name = $"test-{Guid.NewGuid():N}";
        var cgroup = Host.Create(name, new ResourceLimits { MemoryMb = 64, Pids = 50 })!;
        await Run("true", cgroup);

        await cgroup.Remove();

        Assert.All(cgroup.ProcsFiles, file => Assert.False(Directory.Exists(Path.GetDirectoryName(file))));
    }

    static async Task<(AttemptResult Result, string Output)> Run(string script, AttemptCgroup cgroup, int? timeoutSeconds = null)
    {
        var directory = Directory.CreateTempSubdirectory("jobs-cgroup-test-").FullName;
        try
        {
            return await CapturedRun.Run(new JobSpec(script, [], true, "default") { TimeoutSeconds = timeoutSeconds }, directory, cgroup);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
