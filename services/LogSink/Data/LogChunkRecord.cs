namespace Jobs.LogSink.Data;

/// <summary>A stored chunk of one attempt's output; (job, attempt, seq) is unique, so a redelivered chunk is stored once.</summary>
public sealed class LogChunkRecord
{
    public Guid JobId { get; set; }
    public int Attempt { get; set; }
    public int Seq { get; set; }
    public short Stream { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public required byte[] Data { get; set; }
}
