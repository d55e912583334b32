using System.Text;
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
    public void Detect_FindsCpuMemoryAndPidsOnThisHost()
    {
        Assert.NotNull(Host.Version);
        Assert.Equal([Cgroups.Cpu, Cgroups.Memory, Cgroups.Pids], Host.Enforceable);
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
    public async Task IoLimit_IsRecordedAsNotEnforced()
    {
        var cgroup = Host.Create($"test-{Guid.NewGuid():N}", new ResourceLimits { IoBytesPerSecond = 1_000_000, MemoryMb = 256 })!;

        await Run("true", cgroup);

        Assert.Equal([Cgroups.Memory], cgroup.Enforced);
        Assert.Equal([Cgroups.Io], cgroup.Unenforced);
        await cgroup.Remove();
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

    static async Task<(AttemptResult Result, string Output)> Run(string script, AttemptCgroup cgroup)
    {
        var output = new StringBuilder();
        var directory = Directory.CreateTempSubdirectory("jobs-cgroup-test-").FullName;
        try
        {
            var result = await ProcessRunner.Run(
                new JobSpec(script, [], true, "default"),
                directory,
                new AttemptControl(),
                _ => Task.CompletedTask,
                (_, piece) =>
                {
                    output.Append(Encoding.UTF8.GetString(piece.Data));
                    return Task.CompletedTask;
                },
                CancellationToken.None,
                cgroup).WaitAsync(TimeSpan.FromSeconds(60));
            return (result, output.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
