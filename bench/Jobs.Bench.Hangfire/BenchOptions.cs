namespace Jobs.Bench.Hangfire;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(
    int Jobs,
    int Workers,
    int Enqueuers,
    double Rate,
    int Seconds,
    int Warmup,
    int TunedPollMs,
    bool LongPolling,
    IReadOnlyList<Configuration> Configurations,
    bool Quick)
{
    public const string Usage = """
        Usage: Jobs.Bench.Hangfire [--quick] [--jobs N] [--workers W] [--enqueuers E] [--rate R] [--seconds S]
                                   [--warmup N] [--tuned-poll-ms MS] [--long-polling on|off] [--configs a,b,c,d]

          --quick             a smoke run for CI: --jobs 100 --rate 5 --seconds 4 --warmup 10 (the explicit
                              options that follow it still apply)
          --jobs N            jobs in the throughput burst, and runs of the raw baseline (default 2000)
          --workers W         Hangfire workers (BackgroundJobServerOptions.WorkerCount), and threads of the raw
                              baseline (default 8)
          --enqueuers E       threads enqueuing the burst at once (default 4)
          --rate R            offered load of the latency run, jobs/s (default 5)
          --seconds S         length of the latency run (default 20)
          --warmup N          unrecorded jobs per configuration before its measured ones (default 50)
          --tuned-poll-ms MS  QueuePollInterval of the tuned configurations (default 50, Hangfire.PostgreSql's
                              minimum without AllowUnsafeValues)
          --long-polling X    EnableLongPolling (LISTEN/NOTIFY) in the tuned configurations: off (default) or on;
                              on, a worker can hang in Dequeue and hide a job for InvisibilityTimeout (bench/README.md)
          --configs LIST      which configurations to run, of a (in-process, defaults), b (in-process, tuned),
                              c (client and worker processes, defaults), d (two processes, tuned); default a,b,c,d

        PostgreSQL comes from JOBS_PG_HOST, JOBS_PG_PORT, JOBS_PG_USER and JOBS_PG_PASSWORD (scripts/infra.sh up writes
        them to .local/infra.env, read from there when they are not set); the bench makes a database of its own and
        drops it at the end.
        """;

    public static BenchOptions Defaults { get; } = new(
        Jobs: 2000,
        Workers: 8,
        Enqueuers: 4,
        Rate: 5,
        Seconds: 20,
        Warmup: 50,
        TunedPollMs: 50,
        LongPolling: false,
        Configurations: Configuration.All,
        Quick: false);

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error) =>
        new BenchArgs<BenchOptions>(Usage)
            .Flag("--quick", options => options with { Quick = true, Jobs = 100, Rate = 5, Seconds = 4, Warmup = 10 })
            .Option("--jobs", ArgValue.Int(1, 1_000_000), (options, jobs) => options with { Jobs = jobs })
            .Option("--workers", ArgValue.Int(1, 256), (options, workers) => options with { Workers = workers })
            .Option("--enqueuers", ArgValue.Int(1, 256), (options, enqueuers) => options with { Enqueuers = enqueuers })
            .Option("--rate", ArgValue.Positive(10_000), (options, rate) => options with { Rate = rate })
            .Option("--seconds", ArgValue.Int(1, 3600), (options, seconds) => options with { Seconds = seconds })
            .Option("--warmup", ArgValue.Int(0, 100_000), (options, warmup) => options with { Warmup = warmup })
            .Option("--tuned-poll-ms", ArgValue.Int(1, 60_000), (options, poll) => options with { TunedPollMs = poll })
            .Option("--long-polling", ArgValue.OnOff, (options, on) => options with { LongPolling = on })
            .Option("--configs", ArgValue.Of("a comma-separated list of a, b, c, d", Configuration.Parse),
                (options, configurations) => options with { Configurations = configurations })
            .Parse(args, Defaults, error);

    /// <summary>Jobs of the latency run: the offered rate for the given seconds.</summary>
    public int LatencyJobs => Math.Max(1, (int)Math.Round(Rate * Seconds));
}
