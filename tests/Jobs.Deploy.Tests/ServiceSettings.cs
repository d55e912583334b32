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
        // A section may be nested (Auth:Jwt): the longest section the leading segments name.
        var depth = Enumerable.Range(1, segments.Length - 1).Reverse()
            .FirstOrDefault(n => Sections.Value.ContainsKey(string.Join(':', segments[..n])));
        if (depth == 0)
            return $"no service reads a configuration section {segments[0]}";
        var section = string.Join(':', segments[..depth]);
        var properties = Sections.Value[section];
        var rest = segments[depth..];
        if (!properties.TryGetValue(rest[0], out var collection))
            return $"{section} has no setting {rest[0]} (it has: {string.Join(", ", properties.Keys)})";
        return rest.Length switch
        {
            1 => null,
            2 when collection => null,
            _ => $"{section}:{rest[0]} is not a list or map",
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
            // The file's properties, those of the classes it nests (a policy's rules) included; the first of a name wins.
            var properties = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (Match m in Property().Matches(text))
                properties.TryAdd(m.Groups["name"].Value, CollectionType().IsMatch(m.Groups["type"].Value));
            sections[section.Groups["name"].Value] = properties;
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

    [GeneratedRegex("""const string Section = "(?<name>[\w:]+)";""")]
    private static partial Regex SectionConstant();

    [GeneratedRegex("""const string ConnectionName = "(?<name>\w+)";""")]
    private static partial Regex ConnectionNameConstant();

    [GeneratedRegex("""public\s+(?<type>[\w.]+(?:<[^>]*>)?\??)\s+(?<name>\w+)\s*\{\s*get;\s*set;""")]
    private static partial Regex Property();

    [GeneratedRegex("""^(Dictionary|IDictionary|List|IList|IReadOnlyList)<|\[\]$""")]
    private static partial Regex CollectionType();
}
