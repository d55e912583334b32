namespace Jobs.Contracts;

/// <summary>
/// Executor → LogSink: a piece of one attempt's output. <see cref="Seq"/> counts from 0 across both streams of the attempt.
/// </summary>
public record JobLogChunk(Guid JobId, int Attempt, int Seq, LogStream Stream, DateTimeOffset Timestamp, byte[] Data);
