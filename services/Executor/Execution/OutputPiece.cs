using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>Bytes read from one output stream, not yet numbered.</summary>
public sealed record OutputPiece(LogStream Stream, DateTimeOffset Timestamp, byte[] Data);
