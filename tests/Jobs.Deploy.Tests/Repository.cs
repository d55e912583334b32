namespace Jobs.Deploy.Tests;

/// <summary>The repository the tests run from: found upwards from the test assembly, by its solution file.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Jobs.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Jobs.sln above {AppContext.BaseDirectory}.");
    }
}
