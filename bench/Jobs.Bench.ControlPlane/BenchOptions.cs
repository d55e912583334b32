namespace Jobs.Bench.ControlPlane;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(
    int Jobs,
    int Concurrency,
    int Executors,
    int Slots,
    int WarmupJobs,
    int ProbeJobs,
    int RawMessages,
    bool Quick)
{
    public const string Usage = """
        Usage: Jobs.Bench.ControlPlane [--jobs N] [--concurrency C] [--executors K] [--slots S] [--warmup N] [--probe N]
                                       [--raw-messages M] [--quick]

          --jobs N           jobs submitted in the measured run (default 5000; 200 with --quick)
          --concurrency C    POSTs in flight at once; also the senders of the raw bound (default 64)
          --executors K      simulated executors in this process (default 4)
          --slots S          slots of each simulated executor (default 16)
          --warmup N         unrecorded jobs first, so the services' first-use costs stay out (default 300; 30 with --quick)
          --probe N          jobs run one at a time before the measured run, for the hop latencies of an idle
                             system (default 30; 10 with --quick; 0 for none)
          --raw-messages M   messages in the raw send+consume run that sets the bound (default 20000; 2000 with --quick)
          --quick            a smoke run for CI (the smaller defaults above; well under a minute)
        """;

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        // Chosen before the options are read, so that every explicit option overrides --quick, wherever it stands.
        var defaults = args.Contains("--quick")
            ? new BenchOptions(Jobs: 200, Concurrency: 64, Executors: 4, Slots: 16, WarmupJobs: 30, ProbeJobs: 10, RawMessages: 2000, Quick: true)
            : new BenchOptions(Jobs: 5000, Concurrency: 64, Executors: 4, Slots: 16, WarmupJobs: 300, ProbeJobs: 30, RawMessages: 20000, Quick: false);
        return new BenchArgs<BenchOptions>(Usage)
            .Flag("--quick", options => options)
            .Option("--jobs", ArgValue.Int(1, 1_000_000), (options, jobs) => options with { Jobs = jobs })
            .Option("--concurrency", ArgValue.Int(1, 4096), (options, concurrency) => options with { Concurrency = concurrency })
            .Option("--executors", ArgValue.Int(1, 256), (options, executors) => options with { Executors = executors })
            .Option("--slots", ArgValue.Int(1, 10_000), (options, slots) => options with { Slots = slots })
            .Option("--warmup", ArgValue.Int(0, 1_000_000), (options, warmup) => options with { WarmupJobs = warmup })
            .Option("--probe", ArgValue.Int(0, 10_000), (options, probe) => options with { ProbeJobs = probe })
            .Option("--raw-messages", ArgValue.Int(100, 10_000_000), (options, raw) => options with { RawMessages = raw })
            .Parse(args, defaults, error);
    }
}
