using Jobs.Testing;

namespace Jobs.Reliability.Tests;

/// <summary>
/// What a scenario did and what the system absorbed: the figures the reliability note quotes. <see cref="Append"/>
/// adds one table row to <c>.local/reliability/report.md</c>.
/// </summary>
public sealed record RunReport(
    string Scenario,
    int Jobs,
    IReadOnlyList<string> Faults,
    IReadOnlyDictionary<string, int> Statuses,
    int Attempts,
    int LostAttempts,
    long Redeliveries,
    long DuplicateChunksAbsorbed,
    long DuplicatesInjected,
    long SagaConflicts,
    TimeSpan Recovery,
    TimeSpan Bound,
    TimeSpan Duration)
{
    public static string FilePath { get; } = Path.Combine(RepositoryRoot.Path, ".local", "reliability", "report.md");

    const string Header =
        "| scenario | jobs | faults | statuses | jobs lost | attempts | lost attempts retried | redeliveries | duplicate chunks absorbed | copies injected | saga conflicts | recovery | bound | duration |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

    public int JobsLost => Jobs - Statuses.GetValueOrDefault("Succeeded");

    string StatusText => string.Join(", ", Statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}"));

    public override string ToString() =>
        $"{Scenario}: {Jobs} jobs ({StatusText}), faults: {(Faults.Count == 0 ? "none" : string.Join("; ", Faults))}; jobs lost {JobsLost}; " +
        $"{Attempts} attempts, {LostAttempts} lost and retried; {Redeliveries} messages redelivered; duplicate chunks absorbed {DuplicateChunksAbsorbed}; copies injected {DuplicatesInjected}; " +
        $"saga conflicts {SagaConflicts}; all ended {Recovery.TotalSeconds:0.0} s after recovery (bound {Bound.TotalSeconds:0} s); scenario took {Duration.TotalSeconds:0} s";

    public void Append()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var row = $"| {Scenario} | {Jobs} | {(Faults.Count == 0 ? "none" : string.Join("; ", Faults))} | {StatusText} | {JobsLost} | {Attempts} | {LostAttempts} | {Redeliveries} | " +
            $"{DuplicateChunksAbsorbed} | {DuplicatesInjected} | {SagaConflicts} | {Recovery.TotalSeconds:0.0} s | {Bound.TotalSeconds:0} s | {Duration.TotalSeconds:0} s |\n";
        // Test classes run one at a time (Scale.cs), so appends do not interleave.
        File.AppendAllText(FilePath, File.Exists(FilePath) ? row : Header + row);
    }
}
