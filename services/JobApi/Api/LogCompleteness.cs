using Jobs.JobApi.StateMachines;

namespace Jobs.JobApi.Api;

/// <summary>
/// Whether a log can still grow. An attempt's log is complete once the attempt has ended and every chunk it reported
/// is stored (an attempt lost with its executor reported none, and gets no more); a job's, once the job is terminal
/// and every attempt's log is complete.
/// </summary>
public static class LogCompleteness
{
    public static readonly string[] TerminalStatuses = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];

    public static bool IsComplete(JobState job, int? attempt, IReadOnlyDictionary<int, long> stored)
    {
        if (!TerminalStatuses.Contains(job.CurrentState) && attempt is null)
            return false;
        var attempts = job.Attempts.Where(a => attempt is null || a.Number == attempt).ToList();
        if (attempt is not null && attempts.Count == 0)
            return TerminalStatuses.Contains(job.CurrentState);
        return attempts.All(a => a.Outcome is not null && (a.LogChunks is not { } chunks || stored.GetValueOrDefault(a.Number) >= chunks));
    }
}
