namespace Jobs.LogSink.Data;

/// <summary>A job that ended, and when: its output is deleted once that is longer ago than the retention.</summary>
public sealed class EndedJobRecord
{
    public Guid JobId { get; set; }
    public DateTimeOffset EndedAt { get; set; }
}
