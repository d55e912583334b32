namespace Jobs.Executor.Execution;

/// <summary>Finds the program of an exec-form command the way the shell would, so a bad command is rejected with a reason.</summary>
public static class Executable
{
    const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The full path of <paramref name="command"/>, or null with the reason it cannot be run.</summary>
    /// <remarks>A relative path with a slash is taken from <paramref name="workingDirectory"/>, where the process will run.</remarks>
    public static (string? Path, string? Error) Resolve(string command, string? searchPath, string? workingDirectory = null)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            var path = workingDirectory is null ? command : Path.Combine(workingDirectory, command);
            return Check(path) is { } error ? (null, error) : (path, null);
        }

        foreach (var directory in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (Check(candidate) is null)
                return (candidate, null);
        }
        return (null, $"'{command}' was not found on PATH.");
    }

    static string? Check(string path)
    {
        if (Directory.Exists(path))
            return $"'{path}' is a directory.";
        if (!File.Exists(path))
            return $"'{path}' does not exist.";
        if ((File.GetUnixFileMode(path) & AnyExecute) == 0)
            return $"'{path}' is not executable.";
        return null;
    }
}
