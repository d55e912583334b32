namespace Jobs.JobApi.Api;

/// <summary>
/// A page of a job's output chunks in order (attempt, then sequence); read on from <see cref="NextOffset"/>.
/// <see cref="Complete"/>: the attempt (or the job) has ended and every chunk it reported is stored, so no more will come.
/// </summary>
public sealed record LogPage(Guid JobId, int Offset, int Limit, int NextOffset, bool Complete, IReadOnlyList<LogChunkResponse> Items);

/// <summary>One chunk of output; <see cref="Text"/> is the bytes as UTF-8, invalid sequences replaced.</summary>
public sealed record LogChunkResponse(int Attempt, int Seq, string Stream, DateTimeOffset Timestamp, string Text);
