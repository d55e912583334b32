using System.Globalization;
using System.Text.RegularExpressions;
using Jobs.Testing;

namespace Jobs.Reliability.Tests;

/// <summary>Reads a service's Prometheus <c>/metrics</c>.</summary>
public static partial class Metrics
{
    public static async Task<string> Scrape(ServiceProcess service)
    {
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    public static double Value(string metrics, string name, string label = "") =>
        metrics.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    /// <summary><paramref name="name"/> summed over every running instance of the services whose names start with <paramref name="prefix"/>.</summary>
    public static async Task<long> Total(JobsSystem system, string prefix, string name, string label = "")
    {
        var running = system.Services.Values.Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal) && !s.HasExited);
        var values = await Task.WhenAll(running.Select(async s => Value(await Scrape(s), name, label)));
        return (long)values.Sum();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[0-9.eE+-]+)")]
    private static partial Regex Sample();
}
