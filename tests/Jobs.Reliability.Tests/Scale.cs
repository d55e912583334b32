using System.Globalization;

// Each scenario runs a whole system and hundreds of jobs on a small machine: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Jobs.Reliability.Tests;

/// <summary>How big a run is: the one knob (<c>JOBS_RELIABILITY_JOBS</c>) and the bounds derived from it.</summary>
public static class Scale
{
    /// <summary>Jobs per scenario: 100 by default (CI); the full suite (<c>scripts/reliability.sh</c>) runs 500.</summary>
    public static int Jobs { get; } = int.TryParse(Environment.GetEnvironmentVariable("JOBS_RELIABILITY_JOBS"), NumberStyles.None, CultureInfo.InvariantCulture, out var jobs) && jobs > 0
        ? jobs
        : 100;

    /// <summary>Slots per executor: short jobs, so many at once keep a run of hundreds within a minute or two.</summary>
    public const int SlotsPerExecutor = 8;

    /// <summary>
    /// How long after the last recovery every job must be terminal: the time to detect a lost executor and retry its
    /// attempts (about 15 s with the test systems' 8 s executor timeout) plus a generous run of all the jobs again on a
    /// slow shared machine (half a second each, though they take about one second on 8 slots per executor).
    /// </summary>
    public static TimeSpan TerminalBound { get; } = TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(500) * Jobs;
}
