namespace Jobs.LogSink.Retention;

/// <summary>Bound from the <c>LogSink</c> configuration section.</summary>
public sealed class RetentionOptions
{
    public const string Section = "LogSink";

    /// <summary>How long the output of an ended job is kept; null keeps it forever.</summary>
    public TimeSpan? Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often expired output is looked for.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement, so no sweep holds locks long or bloats one transaction.</summary>
    public int BatchSize { get; set; } = 5000;
}
