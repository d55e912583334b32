using Jobs.Contracts;

namespace Jobs.JobApi.StateMachines;

/// <summary>The wait before retry <c>n</c> (1 for the first retry) under a policy, with its jitter.</summary>
public static class RetryDelay
{
    public static TimeSpan For(RetryPolicy policy, int retry)
    {
        var seconds = Math.Min(policy.InitialDelaySeconds * Math.Pow(policy.BackoffMultiplier, retry - 1), policy.MaxDelaySeconds);
        var jitter = seconds * policy.Jitter * ((Random.Shared.NextDouble() * 2) - 1);
        return TimeSpan.FromSeconds(Math.Max(0, seconds + jitter));
    }
}
