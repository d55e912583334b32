namespace Jobs.Bench.Hangfire;

/// <summary>How a series of latencies (milliseconds) is spread.</summary>
internal sealed record Percentiles(int Count, double P50, double P95, double P99, double Max, double Min, double Mean)
{
    /// <summary>Nearest-rank percentiles: each one is a latency some job really had. Null for an empty series.</summary>
    public static Percentiles? Of(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        if (sorted.Length == 0)
            return null;
        Array.Sort(sorted);
        return new Percentiles(sorted.Length, At(0.50), At(0.95), At(0.99), sorted[^1], sorted[0], sorted.Average());

        double At(double quantile)
        {
            var rank = (int)Math.Ceiling(quantile * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }
}
