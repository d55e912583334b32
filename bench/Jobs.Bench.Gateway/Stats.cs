namespace Jobs.Bench.Gateway;

/// <summary>Percentiles of one series of latencies, in milliseconds.</summary>
internal sealed record Percentiles(int Count, double P50, double P95, double P99, double Mean, double Min, double Max)
{
    /// <summary>Nearest-rank percentiles: each is a value that was actually measured, never an interpolation between two.</summary>
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("No values to summarise.", nameof(values));
        var sorted = values.Order().ToArray();
        return new Percentiles(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted.Average(), sorted[0], sorted[^1]);
    }

    static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
