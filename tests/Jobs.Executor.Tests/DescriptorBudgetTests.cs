using System.Globalization;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

/// <summary>The descriptors the executor keeps for itself: the arithmetic, then this very process's limit and table.</summary>
public sealed class DescriptorBudgetTests
{
    [Theory]
    [InlineData(1024, 900, 64, null)]
    [InlineData(1024, 960, 64, null)]
    [InlineData(1024, 961, 64, "63 of its 1024")]
    [InlineData(1024, 1024, 64, "0 of its 1024")]
    [InlineData(1024, 2000, 64, "0 of its 1024")]
    [InlineData(1024, 1024, 0, null)]
    public void RefusesOnlyWhileFewerThanTheReserveAreFree(long limit, int open, int reserve, string? refusal)
    {
        var reason = new DescriptorBudget(reserve, () => limit, () => open).Refuse();

        if (refusal is null)
        {
            Assert.Null(reason);
            return;
        }
        Assert.NotNull(reason);
        Assert.Contains(refusal, reason, StringComparison.Ordinal);
        Assert.Contains($"keeps {reserve} for itself (Executor:DescriptorReserve)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ThisProcess_HasDescriptorsFreeUnderItsLimit_AndIsRefusedAReserveAboveIt()
    {
        var limit = SoftLimitFromProc();

        Assert.Null(DescriptorBudget.OfThisProcess(1).Refuse());
        var reason = DescriptorBudget.OfThisProcess(checked((int)Math.Min(limit + 1, int.MaxValue))).Refuse();

        Assert.NotNull(reason);
        Assert.Contains($"of its {limit} file descriptors are free", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeReserve_StopsTheDaemonAtStartNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ExecutionPolicy.From(new ExecutorOptions { DescriptorReserve = -1 }, privileged: false));

        Assert.Contains("Executor:DescriptorReserve", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyFromOptions_RefusesAJobWhenTheReserveCannotBeKept()
    {
        var policy = ExecutionPolicy.From(new ExecutorOptions { DescriptorReserve = int.MaxValue }, privileged: false);

        Assert.Contains("Executor:DescriptorReserve", policy.Refuse("/bin/echo"), StringComparison.Ordinal);
    }

    /// <summary>The soft "Max open files" of /proc/self/limits: what the kernel enforces, read another way than getrlimit.</summary>
    static long SoftLimitFromProc()
    {
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return long.Parse(soft, CultureInfo.InvariantCulture);
    }
}
