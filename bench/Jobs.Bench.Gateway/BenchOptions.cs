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
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error) =>
        new BenchArgs<BenchOptions>(Usage)
            .Option("--gateway", ArgValue.HttpUrl, (options, gateway) => options with { Gateway = gateway })
            .Option("--jobapi", ArgValue.HttpUrl, (options, jobApi) => options with { JobApi = jobApi })
            .Option("--token", ArgValue.NonEmpty, (options, token) => options with { Token = token })
            .Option("--requests", ArgValue.Int(1, 1_000_000), (options, requests) => options with { Requests = requests })
            .Option("--warmup", ArgValue.Int(0, 1_000_000), (options, warmup) => options with { Warmup = warmup })
            .Option("--concurrency", ArgValue.Int(1, 256), (options, concurrency) => options with { Concurrency = concurrency })
            .Parse(args, new BenchOptions(new Uri("http://127.0.0.1:5080"), new Uri("http://127.0.0.1:5081"), Requests: 2000, Warmup: 200, Concurrency: 1), error);
}
