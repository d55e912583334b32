namespace Jobs.Scheduler.Placement;

/// <summary>Bound from the <c>Scheduler</c> configuration section.</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>An executor silent for longer than this (three of its heartbeats by default) gets no new work and is declared lost.</summary>
    public TimeSpan ExecutorTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often placement runs when nothing wakes it.</summary>
    public TimeSpan PlacementInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most attempts placed in one transaction.</summary>
    public int PlacementBatch { get; set; } = 256;
}
