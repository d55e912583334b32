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
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error) =>
        new BenchArgs<BenchOptions>(Usage)
            .Option("--gateway", ArgValue.HttpUrl, (options, gateway) => options with { Gateway = gateway })
            .Option("--token", ArgValue.NonEmpty, (options, token) => options with { Token = token })
            .Option("--seconds", ArgValue.Int(1, 3600), (options, seconds) => options with { Seconds = seconds })
            .Option("--jobs", ArgValue.Int(1, 256), (options, jobs) => options with { Jobs = jobs })
            .Option("--warmup-seconds", ArgValue.Int(0, 3600), (options, warmup) => options with { WarmupSeconds = warmup })
            .Parse(args, new BenchOptions(new Uri("http://127.0.0.1:5080"), Seconds: 20, Jobs: 1, WarmupSeconds: 3), error);
}
