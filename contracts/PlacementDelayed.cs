namespace Jobs.Contracts;

/// <summary>
/// Scheduler → job saga: no registered executor could take this attempt (no executor in its pool, the target executor
/// is unknown, or none carries the labels it asks for). The attempt keeps waiting; <see cref="Reason"/> says why.
/// </summary>
public record PlacementDelayed(Guid JobId, int Attempt, string Reason);
