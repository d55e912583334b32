namespace Jobs.Bench.Hangfire;

/// <summary>
/// One way of running Hangfire: client and server in one process or in two (a "web app" that only enqueues and a
/// worker process that only runs jobs), at Hangfire.PostgreSql's defaults or tuned.
/// </summary>
internal sealed record Configuration(string Key, string Name, bool TwoProcesses, bool Tuned)
{
    public static IReadOnlyList<Configuration> All { get; } =
    [
        new("a", "in-process, defaults", TwoProcesses: false, Tuned: false),
        new("b", "in-process, tuned", TwoProcesses: false, Tuned: true),
        new("c", "2 processes, defaults", TwoProcesses: true, Tuned: false),
        new("d", "2 processes, tuned", TwoProcesses: true, Tuned: true),
    ];

    /// <summary>Its own schema in the bench's database, so every configuration starts from empty tables.</summary>
    public string Schema => $"hangfire_{Key}";

    /// <summary>"a,c" → those configurations, in the order of <see cref="All"/>; null if a key is unknown.</summary>
    public static IReadOnlyList<Configuration>? Parse(string list)
    {
        var keys = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length == 0 || keys.Any(key => All.All(c => c.Key != key)))
            return null;
        return [.. All.Where(c => keys.Contains(c.Key))];
    }
}
