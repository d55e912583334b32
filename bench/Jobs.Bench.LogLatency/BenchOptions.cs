using System.Globalization;

namespace Jobs.Bench.LogLatency;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(Uri Gateway, int Seconds, int Jobs, int WarmupSeconds, string? Token = null)
{
    public const string Usage = """
        Usage: Jobs.Bench.LogLatency [--gateway URL] [--token T] [--seconds D] [--jobs K] [--warmup-seconds S]

          --gateway URL        the system's public API (default http://127.0.0.1:5080)
          --token T            a bearer token that may submit (default $JOBS_TOKEN, else .local/admin.token from scripts/run.sh)
          --seconds D          how long each job prints a line every 100 ms (default 20)
          --jobs K             jobs printing at once, each followed on a live stream of its own (default 1)
          --warmup-seconds S   an unrecorded job of S seconds first, so the services' first-use costs stay out
                               of the numbers (default 3; 0 for none)
        """;

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new BenchOptions(new Uri("http://127.0.0.1:5080"), Seconds: 20, Jobs: 1, WarmupSeconds: 3);
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
                ("--gateway", _) when Uri.TryCreate(value, UriKind.Absolute, out var gateway) && gateway.Scheme is "http" or "https" =>
                    options with { Gateway = gateway },
                ("--token", _) when value.Length > 0 => options with { Token = value },
                ("--seconds", _) when Number(value, 1, 3600) is { } seconds => options with { Seconds = seconds },
                ("--jobs", _) when Number(value, 1, 256) is { } jobs => options with { Jobs = jobs },
                ("--warmup-seconds", _) when Number(value, 0, 3600) is { } warmup => options with { WarmupSeconds = warmup },
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

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, else null.</summary>
    static int? Number(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
