namespace Jobs.Contracts;

/// <summary>How an attempt's process ended, as its executor saw it.</summary>
public enum AttemptEnd
{
    /// <summary>It exited by itself; the exit code says how.</summary>
    Exited = 0,

    /// <summary>It ran past its timeout and was stopped.</summary>
    TimedOut = 1,

    /// <summary>It was stopped on request (a cancel).</summary>
    Stopped = 2,

    /// <summary>It could not be started.</summary>
    Rejected = 3,

    /// <summary>Its executor shut down and stopped it when the drain timeout ran out; the attempt counts as lost.</summary>
    Drained = 4,
}
