namespace Jobs.Scheduler.Data;

/// <summary>A job the saga has ended; a placement request for it that arrives late (messages cross) is refused.</summary>
public sealed class EndedJob
{
    public Guid JobId { get; set; }
    public DateTimeOffset EndedAt { get; set; }
}
