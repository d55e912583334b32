namespace Jobs.Contracts;

/// <summary>
/// When a failed attempt is tried again, and how long after: the n-th retry waits
/// <c>min(InitialDelaySeconds × BackoffMultiplier^(n-1), MaxDelaySeconds)</c>, give or take <see cref="Jitter"/> of it.
/// </summary>
public record RetryPolicy
{
    public int MaxAttempts { get; init; } = 3;
    public double InitialDelaySeconds { get; init; } = 1;
    public double BackoffMultiplier { get; init; } = 2;
    public double MaxDelaySeconds { get; init; } = 300;

    /// <summary>Fraction of each delay added or taken away at random (0 to 1), so retries of many jobs spread out.</summary>
    public double Jitter { get; init; } = 0.1;

    /// <summary>Which failures are retried.</summary>
    public IReadOnlyList<FailureClass> RetryOn { get; init; } = [FailureClass.ExitCode, FailureClass.Timeout, FailureClass.Lost];
}
