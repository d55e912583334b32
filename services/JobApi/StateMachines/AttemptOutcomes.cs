using Jobs.Contracts;

namespace Jobs.JobApi.StateMachines;

/// <summary>How an attempt ended, from the saga's point of view, and which retry class each failure belongs to.</summary>
public static class AttemptOutcomes
{
    public const string Succeeded = nameof(Succeeded);
    public const string Failed = nameof(Failed);
    public const string TimedOut = nameof(TimedOut);
    public const string Canceled = nameof(Canceled);
    public const string Rejected = nameof(Rejected);
    public const string Lost = nameof(Lost);

    public static string Of(JobAttemptFinished finished) => finished.End switch
    {
        AttemptEnd.TimedOut => TimedOut,
        AttemptEnd.Stopped => Canceled,
        AttemptEnd.Rejected => Rejected,
        AttemptEnd.Drained => Lost,
        // Over its memory limit the attempt failed, even if the process the kernel killed was a child whose parent carried on.
        _ when finished.Error == JobAttemptFinished.OomKilled => Failed,
        _ when finished.ExitCode == 0 => Succeeded,
        _ when finished.ExitCode is null => Rejected,
        _ => Failed,
    };

    public static FailureClass? ClassOf(string outcome) => outcome switch
    {
        Failed => FailureClass.ExitCode,
        TimedOut => FailureClass.Timeout,
        Rejected => FailureClass.Rejected,
        Lost => FailureClass.Lost,
        _ => null,
    };
}
