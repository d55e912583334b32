namespace Jobs.Contracts;

/// <summary>
/// One executor as the Scheduler sees it. <see cref="Draining"/>: an admin drained it, or it is shutting down and said
/// so; either way nothing more is placed on it. <see cref="LostAt"/>: when it was declared lost, if it is now.
/// </summary>
public record ExecutorSummary(
    string Id,
    string Pool,
    IReadOnlyDictionary<string, string> Labels,
    int Slots,
    int Used,
    bool Draining,
    DateTimeOffset LastHeartbeatAt,
    DateTimeOffset? LostAt,
    HostFacts Host);
