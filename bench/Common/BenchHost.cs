namespace Jobs.Bench;

/// <summary>What every benchmark asks of the machine and the checkout (bench/Common).</summary>
internal static class BenchHost
{
    /// <summary>The 1, 5 and 15 minute load averages, to show how busy the shared machine was.</summary>
    public static string? LoadAverage()
    {
        const string file = "/proc/loadavg";
        if (!File.Exists(file))
            return null;
        var fields = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 3 ? $"{fields[0]} {fields[1]} {fields[2]}" : null;
    }

    /// <summary>The checkout this benchmark runs from (the folder with Jobs.sln), else the current directory.</summary>
    public static string RepoRoot()
    {
        string?[] starts = [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        return starts.SelectMany(Ancestors).FirstOrDefault(dir => File.Exists(Path.Join(dir, "Jobs.sln"))) ?? Directory.GetCurrentDirectory();

        static IEnumerable<string> Ancestors(string? dir)
        {
            for (; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
                yield return dir;
        }
    }
}
