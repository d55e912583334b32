using System.Text.RegularExpressions;

namespace Jobs.Deploy.Tests;

/// <summary>
/// The configuration the services read, taken from their source so the manifests cannot drift from it: every
/// options class with a <c>Section</c> constant (RabbitMq, Executor, Scheduler, LogSink) and its settable properties,
/// and the one connection string. Plus what the framework itself reads: <c>ASPNETCORE_*</c>, <c>Urls</c>,
/// YARP's <c>ReverseProxy</c> section (the gateway loads it whole) and the OTLP exporter's endpoint.
/// </summary>
public static partial class ServiceSettings
{
    static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool>>> Sections = new(ReadSections);
    static readonly Lazy<string> ConnectionName = new(ReadConnectionName);

    /// <summary>Null when a service reads the environment variable <paramref name="name"/>; otherwise why not.</summary>
    public static string? WhyUnknown(string name)
    {
        // The host's own settings. `Urls` (unprefixed) is the one that outranks the images' appsettings.json.
        if (name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || name == "Urls")
            return null;
        if (name == "OTEL_EXPORTER_OTLP_ENDPOINT")
            return null;

        var segments = name.Split("__");
        if (segments[0] == "ReverseProxy")
            return segments.Length > 1 ? null : "ReverseProxy needs a sub-key";
        if (segments[0] == "ConnectionStrings")
            return segments is [_, var connection] && connection == ConnectionName.Value ? null : $"the only connection string is {ConnectionName.Value}";
        if (!Sections.Value.TryGetValue(segments[0], out var properties))
            return $"no service reads a configuration section {segments[0]}";
        if (segments.Length < 2 || !properties.TryGetValue(segments[1], out var collection))
            return $"{segments[0]} has no setting {(segments.Length > 1 ? segments[1] : "")} (it has: {string.Join(", ", properties.Keys)})";
        return segments.Length switch
        {
            2 => null,
            3 when collection => null,
            _ => $"{segments[0]}:{segments[1]} is not a list or map",
        };
    }

    static Dictionary<string, IReadOnlyDictionary<string, bool>> ReadSections()
    {
        var sections = new Dictionary<string, IReadOnlyDictionary<string, bool>>(StringComparer.Ordinal);
        foreach (var file in SourceFiles())
        {
            var text = File.ReadAllText(file);
            if (SectionConstant().Match(text) is not { Success: true } section)
                continue;
            sections[section.Groups["name"].Value] = Property().Matches(text).ToDictionary(
                m => m.Groups["name"].Value,
                m => CollectionType().IsMatch(m.Groups["type"].Value),
                StringComparer.Ordinal);
        }
        if (sections.Count == 0)
            throw new InvalidOperationException("Found no options class with a Section constant under services/.");
        return sections;
    }

    static string ReadConnectionName()
    {
        var match = SourceFiles().Select(f => ConnectionNameConstant().Match(File.ReadAllText(f))).FirstOrDefault(m => m.Success);
        return match?.Groups["name"].Value ?? throw new InvalidOperationException("Found no ConnectionName constant under services/.");
    }

    static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Repository.PathOf("services"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [GeneratedRegex("""const string Section = "(?<name>\w+)";""")]
    private static partial Regex SectionConstant();

    [GeneratedRegex("""const string ConnectionName = "(?<name>\w+)";""")]
    private static partial Regex ConnectionNameConstant();

    [GeneratedRegex("""public\s+(?<type>[\w.]+(?:<[^>]*>)?\??)\s+(?<name>\w+)\s*\{\s*get;\s*set;""")]
    private static partial Regex Property();

    [GeneratedRegex("""^(Dictionary|IDictionary|List|IList|IReadOnlyList)<|\[\]$""")]
    private static partial Regex CollectionType();
}
