using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

/// <summary>The tasks the executor keeps for itself: the tightest of its limits decides; then this very process's.</summary>
public sealed class TaskBudgetTests
{
    [Fact]
    public void RefusesWhileTheTightestLimitHasFewerThanTheReserveFree_NamingIt()
    {
        TaskLimit[] limits = [new("kernel.pid_max", 32768, 300), new("the cgroup /system.slice/jobs-executor.service", 100, 90)];

        var reason = new TaskBudget(32, () => limits).Refuse();

        Assert.Equal(
            "Too many tasks on this executor: 10 of the 100 that the cgroup /system.slice/jobs-executor.service allows are free, and it keeps 32 for itself (Executor:TaskReserve). Raise that limit.",
            reason);
    }

    [Theory]
    [InlineData(100, 68, 32, true)]
    [InlineData(100, 69, 32, false)]
    [InlineData(100, 150, 32, false)]
    [InlineData(100, 100, 0, true)]
    public void StartsOnlyWithTheReserveFree(long max, long current, int reserve, bool starts)
    {
        var reason = new TaskBudget(reserve, () => [new TaskLimit("the cgroup /x", max, current)]).Refuse();

        Assert.Equal(starts, reason is null);
    }

    [Fact]
    public void NoLimitKnown_Starts()
    {
        Assert.Null(new TaskBudget(32, () => []).Refuse());
    }

    [Fact]
    public void ThisProcess_HasTasksFreeUnderTheKernelLimits_AndIsRefusedAReserveAboveThem()
    {
        var threadsMax = long.Parse(File.ReadAllText("/proc/sys/kernel/threads-max").Trim(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Null(TaskBudget.OfThisProcess(1).Refuse());
        var reason = TaskBudget.OfThisProcess(checked((int)Math.Min(threadsMax + 1, int.MaxValue))).Refuse();

        Assert.NotNull(reason);
        Assert.Contains("Executor:TaskReserve", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeReserve_StopsTheDaemonAtStartNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ExecutionPolicy.From(new ExecutorOptions { TaskReserve = -1 }, privileged: false));

        Assert.Contains("Executor:TaskReserve", error.Message, StringComparison.Ordinal);
    }
}
