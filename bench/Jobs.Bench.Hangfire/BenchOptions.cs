using System.Globalization;

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
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = Defaults;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error.WriteLine(Usage);
                return null;
            }
            if (name == "--quick")
            {
                options = options with { Quick = true, Jobs = 100, Rate = 5, Seconds = 4, Warmup = 10 };
                continue;
            }
            var value = i + 1 < args.Count ? args[++i] : null;
            BenchOptions? next = (name, value) switch
            {
                (_, null) => null,
                ("--jobs", _) when Number(value, 1, 1_000_000) is { } jobs => options with { Jobs = jobs },
                ("--workers", _) when Number(value, 1, 256) is { } workers => options with { Workers = workers },
                ("--enqueuers", _) when Number(value, 1, 256) is { } enqueuers => options with { Enqueuers = enqueuers },
                ("--rate", _) when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is > 0 and <= 10_000 =>
                    options with { Rate = rate },
                ("--seconds", _) when Number(value, 1, 3600) is { } seconds => options with { Seconds = seconds },
                ("--warmup", _) when Number(value, 0, 100_000) is { } warmup => options with { Warmup = warmup },
                ("--tuned-poll-ms", _) when Number(value, 1, 60_000) is { } poll => options with { TunedPollMs = poll },
                ("--long-polling", "on") => options with { LongPolling = true },
                ("--long-polling", "off") => options with { LongPolling = false },
                ("--configs", _) when Configuration.Parse(value) is { } configurations => options with { Configurations = configurations },
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

    /// <summary>Jobs of the latency run: the offered rate for the given seconds.</summary>
    public int LatencyJobs => Math.Max(1, (int)Math.Round(Rate * Seconds));

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, else null.</summary>
    static int? Number(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
