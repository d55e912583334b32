using System.Globalization;

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
        var quick = args.Contains("--quick");
        var options = quick
            ? new BenchOptions(Jobs: 200, Concurrency: 64, Executors: 4, Slots: 16, WarmupJobs: 30, ProbeJobs: 10, RawMessages: 2000, Quick: true)
            : new BenchOptions(Jobs: 5000, Concurrency: 64, Executors: 4, Slots: 16, WarmupJobs: 300, ProbeJobs: 30, RawMessages: 20000, Quick: false);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error.WriteLine(Usage);
                return null;
            }
            if (name == "--quick")
                continue;
            if (i + 1 >= args.Count)
                return Fail(error, $"{name} needs a value.");
            var value = args[++i];
            switch (name)
            {
                case "--jobs" when Number(value, 1, 1_000_000) is { } jobs:
                    options = options with { Jobs = jobs };
                    break;
                case "--concurrency" when Number(value, 1, 4096) is { } concurrency:
                    options = options with { Concurrency = concurrency };
                    break;
                case "--executors" when Number(value, 1, 256) is { } executors:
                    options = options with { Executors = executors };
                    break;
                case "--slots" when Number(value, 1, 10_000) is { } slots:
                    options = options with { Slots = slots };
                    break;
                case "--warmup" when Number(value, 0, 1_000_000) is { } warmup:
                    options = options with { WarmupJobs = warmup };
                    break;
                case "--probe" when Number(value, 0, 10_000) is { } probe:
                    options = options with { ProbeJobs = probe };
                    break;
                case "--raw-messages" when Number(value, 100, 10_000_000) is { } raw:
                    options = options with { RawMessages = raw };
                    break;
                default:
                    return Fail(error, $"Unknown option or bad value: {name} {value}");
            }
        }
        return options;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, else null.</summary>
    static int? Number(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    static BenchOptions? Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        error.WriteLine(Usage);
        return null;
    }
}
