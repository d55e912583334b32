namespace Jobs.Executor.Execution;

/// <summary>How a run ended: an exit code, or the reason it never ran; and how many output chunks it produced.</summary>
public sealed record AttemptResult(int? ExitCode, string? Error, int LogChunks);
