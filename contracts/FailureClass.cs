namespace Jobs.Contracts;

/// <summary>Kinds of failure a retry policy can name.</summary>
public enum FailureClass
{
    /// <summary>The process exited with a non-zero code.</summary>
    ExitCode = 1,

    /// <summary>The attempt ran past its timeout.</summary>
    Timeout = 2,

    /// <summary>The executor running the attempt went silent.</summary>
    Lost = 3,

    /// <summary>The executor could not start the process (no such program, not executable, bad directory).</summary>
    Rejected = 4,
}
