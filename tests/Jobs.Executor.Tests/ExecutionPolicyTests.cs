using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

/// <summary>The executor's own refusals (root, allowlist) and the switch to an unprivileged user, with real processes.</summary>
public sealed class ExecutionPolicyTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("jobs-policy-test-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void RootDaemonWithoutRunAsUser_RefusesEveryJobSayingHowToAllowIt()
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions(), privileged: true);

        Assert.Contains("Executor:RunAsUser", policy.Refuse("/bin/echo"), StringComparison.Ordinal);
    }

    [Fact]
    public void RootDaemonWithAllowRoot_RunsJobs()
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions { AllowRoot = true }, privileged: true);

        Assert.Null(policy.Refuse("/bin/echo"));
    }

    [Fact]
    public void UnprivilegedDaemon_RunsJobsAsItself()
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions(), privileged: false);

        Assert.Null(policy.Refuse("/bin/echo"));
        Assert.Null(policy.RunAs);
    }

    [Theory]
    [InlineData("/bin/echo", null)]
    [InlineData("/usr/local/bin/echo", null)]
    [InlineData("/usr/bin/printf", null)]
    [InlineData("/bin/sh", "'/bin/sh' is not on this executor's allowlist.")]
    [InlineData("/usr/bin/printf2", "'/usr/bin/printf2' is not on this executor's allowlist.")]
    public void Allowlist_MatchesFullPathsExactlyAndBareNamesInAnyDirectory(string program, string? refusal)
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions { AllowRoot = true, AllowedCommands = ["echo", "/usr/bin/printf"] }, privileged: true);

        Assert.Equal(refusal, policy.Refuse(program));
    }

    [Fact]
    public void UnknownRunAsUser_StopsTheDaemonAtStartNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ExecutionPolicy.From(new ExecutorOptions { RunAsUser = "no-such-user-here" }, privileged: true));

        Assert.Contains("no-such-user-here", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsUserOnAnUnprivilegedDaemon_StopsTheDaemonAtStart()
    {
        Assert.Throws<InvalidOperationException>(() =>
            ExecutionPolicy.From(new ExecutorOptions { RunAsUser = "nobody" }, privileged: false));
    }

    [Fact]
    public async Task NotOnTheAllowlist_IsRejectedWithoutRunning()
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions { AllowRoot = true, AllowedCommands = ["true"] });
        var (result, output) = await Run(new JobSpec("touch", ["ran"], false, "default"), policy);

        Assert.Equal(AttemptEnd.Rejected, result.End);
        Assert.Equal("'/usr/bin/touch' is not on this executor's allowlist.", result.Error);
        Assert.Empty(output);
        Assert.False(File.Exists(Path.Combine(directory, "ran")));
    }

    [Fact]
    public async Task RunAsUser_RunsTheJobAsThatUserWithItsGroups()
    {
        Assert.True(Environment.IsPrivilegedProcess, "The tests run as root on this machine kind and in CI.");
        var nobody = LocalUser.Find("nobody")!;
        var policy = ExecutionPolicy.From(new ExecutorOptions { RunAsUser = "nobody" });
        nobody.Own(directory);

        var (result, output) = await Run(new JobSpec("id -u; id -g; touch mine; stat -c %u mine; if cat /etc/shadow > /dev/null 2>&1; then echo readable; else echo denied; fi", [], true, "default"), policy);

        var lines = output.Split('\n');
        Assert.Equal($"{nobody.Uid}", lines[0]);
        Assert.Equal($"{nobody.Gid}", lines[1]);
        Assert.Equal($"{nobody.Uid}", lines[2]);
        Assert.Equal("denied", lines[3]);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task RunAsUserWithLimits_JoinsTheCgroupAsRootThenDropsToTheUser()
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions { RunAsUser = "nobody" });
        LocalUser.Find("nobody")!.Own(directory);
        var cgroup = Cgroups.Detect().Create($"test-{Guid.NewGuid():N}", new ResourceLimits { Pids = 20 })!;

        var (result, output) = await Run(new JobSpec("id -u", [], true, "default"), policy, cgroup);
        await cgroup.Remove();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("65534\n", output);
        Assert.Equal([Cgroups.Pids], cgroup.Enforced);
    }

    Task<(AttemptResult Result, string Output)> Run(JobSpec spec, ExecutionPolicy policy, AttemptCgroup? cgroup = null) =>
        CapturedRun.Run(spec, directory, cgroup, policy);
}
