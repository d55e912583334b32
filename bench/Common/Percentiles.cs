namespace Jobs.Bench;

/// <summary>How a series of values (milliseconds, or counts) is spread. Shared by every benchmark (bench/Common).</summary>
internal sealed record Percentiles(int Count, double P50, double P95, double P99, double Max, double Min, double Mean)
{
    /// <summary>Nearest-rank percentiles: each one is a value that really occurred, never an interpolation. Null for an empty series.</summary>
    public static Percentiles? Of(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        if (sorted.Length == 0)
            return null;
        Array.Sort(sorted);
        return new Percentiles(sorted.Length, At(0.50), At(0.95), At(0.99), sorted[^1], sorted[0], sorted.Average());

        double At(double quantile) => sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>As <see cref="Of"/>, for a series that cannot be empty.</summary>
    public static Percentiles Require(IEnumerable<double> values) =>
        Of(values) ?? throw new ArgumentException("No values to summarise.", nameof(values));
}
