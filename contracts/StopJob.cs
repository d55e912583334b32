namespace Jobs.Contracts;

/// <summary>
/// Job saga → an executor's control queue: stop this attempt's process group (SIGTERM, then SIGKILL after the grace
/// period). The attempt then finishes with <see cref="AttemptEnd.Stopped"/>; a stop for an attempt that has not
/// arrived yet keeps it from starting.
/// </summary>
public record StopJob(Guid JobId, int Attempt, int GraceSeconds);
