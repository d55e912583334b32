namespace Jobs.Bench.Executor;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(int Runs, int Warmup, TimeSpan IdleSettle, string? ExecutorDll)
{
    public const string Usage = """
        Usage: Jobs.Bench.Executor [--runs N] [--warmup N] [--idle-seconds S] [--executor-dll PATH]

          --runs N            measured runs per variant (default 300)
          --warmup N          unrecorded rounds before the measured ones (default 10)
          --idle-seconds S    how long the idle executor settles after /alive before its memory is read (default 10)
          --executor-dll P    the built executor (default services/Executor/bin/Release/net10.0/Jobs.Executor.dll)
        """;

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error) =>
        new BenchArgs<BenchOptions>(Usage)
            .Option("--runs", ArgValue.Int(1), (options, runs) => options with { Runs = runs })
            .Option("--warmup", ArgValue.Int(0), (options, warmup) => options with { Warmup = warmup })
            .Option("--idle-seconds", ArgValue.Int(0), (options, seconds) => options with { IdleSettle = TimeSpan.FromSeconds(seconds) })
            .Option("--executor-dll", ArgValue.Text, (options, dll) => options with { ExecutorDll = dll })
            .Parse(args, new BenchOptions(Runs: 300, Warmup: 10, IdleSettle: TimeSpan.FromSeconds(10), ExecutorDll: null), error);
}
