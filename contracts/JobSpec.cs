namespace Jobs.Contracts;

/// <summary>What to run. Exec form (no shell) unless <see cref="Shell"/> is set, then the command is run by <c>/bin/sh -c</c>.</summary>
public record JobSpec(string Command, IReadOnlyList<string> Args, bool Shell, string Pool);
