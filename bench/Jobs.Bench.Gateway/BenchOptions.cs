using System.Globalization;

namespace Jobs.Bench.Gateway;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(Uri Gateway, Uri JobApi, int Requests, int Warmup, int Concurrency, string? Token = null)
{
    public const string Usage = """
        Usage: Jobs.Bench.Gateway [--gateway URL] [--jobapi URL] [--token T] [--requests N] [--warmup N] [--concurrency C]

          --gateway URL      the system's public API (default http://127.0.0.1:5080)
          --jobapi URL       the JobApi behind that gateway, asked directly (default http://127.0.0.1:5081)
          --token T          a bearer token sent on every request, through the gateway and directly
                             (default $JOBS_TOKEN, else .local/admin.token from scripts/run.sh, else none)
          --requests N       measured requests per variant (default 2000)
          --warmup N         unrecorded requests per variant before the measured ones (default 200; 0 for none)
          --concurrency C    requests of a variant in flight at once (default 1)
        """;

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new BenchOptions(
            new Uri("http://127.0.0.1:5080"), new Uri("http://127.0.0.1:5081"), Requests: 2000, Warmup: 200, Concurrency: 1);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error.WriteLine(Usage);
                return null;
            }
            var value = i + 1 < args.Count ? args[++i] : null;
            BenchOptions? next = (name, value) switch
            {
                (_, null) => null,
                ("--gateway", _) when Url(value) is { } gateway => options with { Gateway = gateway },
                ("--jobapi", _) when Url(value) is { } jobApi => options with { JobApi = jobApi },
                ("--token", _) when value.Length > 0 => options with { Token = value },
                ("--requests", _) when Number(value, 1, 1_000_000) is { } requests => options with { Requests = requests },
                ("--warmup", _) when Number(value, 0, 1_000_000) is { } warmup => options with { Warmup = warmup },
                ("--concurrency", _) when Number(value, 1, 256) is { } concurrency => options with { Concurrency = concurrency },
                _ => null,
            };
            if (next is null)
            {
                error.WriteLine(value is null ? $"{name} needs a value." : $"Unknown option or bad value: {name} {value}");
                error.WriteLine(Usage);
                return null;
            }
            options = next;
        }
        return options;
    }

    /// <summary>An absolute http(s) URL, else null.</summary>
    static Uri? Url(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, else null.</summary>
    static int? Number(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
