namespace Jobs.Scheduler.Data;

/// <summary>One attempt waiting for, or holding, a slot on an executor. The slot is free again once it has finished.</summary>
public sealed class PlacementRecord
{
    public Guid JobId { get; set; }
    public int Attempt { get; set; }
    public required string Pool { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public string? ExecutorId { get; set; }
    public DateTimeOffset? PlacedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}
