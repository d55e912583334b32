using Jobs.JobApi.Api;

namespace Jobs.JobApi.Tests;

/// <summary>How often a job that stays stalled is nudged again: the stall time, doubling, capped.</summary>
public sealed class StalledJobBackoffTests
{
    static readonly StalledJobOptions Settings = new() { StallAfter = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromMinutes(10) };

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(5, 480)]
    [InlineData(6, 600)]
    [InlineData(40, 600)]
    [InlineData(int.MaxValue, 600)]
    public void AfterTheNthNudge_TheNextComesAfterTheStallTimeDoubledUpToTheCap(int count, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), StalledJobSweeper.NextNudge(count, Settings));

    [Fact]
    public void ACapBelowTheStallTime_NeverNudgesSoonerThanTheStallTime() =>
        Assert.Equal(TimeSpan.FromSeconds(30), StalledJobSweeper.NextNudge(3, new StalledJobOptions { StallAfter = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromSeconds(5) }));
}
