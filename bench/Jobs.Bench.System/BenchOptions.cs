namespace Jobs.Bench.System;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(int Jobs, int Concurrency, IReadOnlyList<int> Rates, int Seconds, int Backlog, int Rounds)
{
    public const string Usage = """
        Usage: Jobs.Bench.System [--jobs N] [--concurrency C] [--rates R1,R2] [--seconds S] [--backlog B] [--rounds K] [--quick]

          --jobs N          /bin/true jobs per throughput round (default 1000)
          --concurrency C   executor slots, submitters and raw Process.Start workers alike (default 8)
          --rates R1,R2     offered loads in jobs/s for the dispatch latency (default 5,50)
          --seconds S       how long each offered load lasts (default 20)
          --backlog B       jobs queued while the executor is stopped, then drained (default 10000; 0 for none)
          --rounds K        throughput rounds per variant, interleaved raw/system/system/raw... (default 2)
          --quick           a smoke run: 100 jobs, rate 5 for 4 s, backlog 300, 1 round
        """;

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error) =>
        new BenchArgs<BenchOptions>(Usage)
            .Flag("--quick", options => options with { Jobs = 100, Rates = [5], Seconds = 4, Backlog = 300, Rounds = 1 })
            .Option("--jobs", ArgValue.Int(1, 1_000_000), (options, jobs) => options with { Jobs = jobs })
            .Option("--concurrency", ArgValue.Int(1, 256), (options, concurrency) => options with { Concurrency = concurrency })
            .Option("--rates", ArgValue.Ints(1, 10_000), (options, rates) => options with { Rates = rates })
            .Option("--seconds", ArgValue.Int(1, 3600), (options, seconds) => options with { Seconds = seconds })
            .Option("--backlog", ArgValue.Int(0, 1_000_000), (options, backlog) => options with { Backlog = backlog })
            .Option("--rounds", ArgValue.Int(1, 100), (options, rounds) => options with { Rounds = rounds })
            .Parse(args, new BenchOptions(Jobs: 1000, Concurrency: 8, Rates: [5, 50], Seconds: 20, Backlog: 10_000, Rounds: 2), error);
}
