namespace Jobs.Testing;

/// <summary>The checkout the tests run from: the first folder above the test binaries that holds <c>Jobs.sln</c>.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Jobs.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Jobs.sln above {AppContext.BaseDirectory}.");
    }
}
