using System.Globalization;

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
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new BenchOptions(Jobs: 1000, Concurrency: 8, Rates: [5, 50], Seconds: 20, Backlog: 10_000, Rounds: 2);
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
                options = options with { Jobs = 100, Rates = [5], Seconds = 4, Backlog = 300, Rounds = 1 };
                continue;
            }
            var value = i + 1 < args.Count ? args[++i] : null;
            BenchOptions? next = (name, value) switch
            {
                (_, null) => null,
                ("--jobs", _) when Number(value, 1, 1_000_000) is { } jobs => options with { Jobs = jobs },
                ("--concurrency", _) when Number(value, 1, 256) is { } concurrency => options with { Concurrency = concurrency },
                ("--rates", _) when value.Split(',').Select(r => Number(r, 1, 10_000)).ToList() is var rates && rates.All(r => r is not null) =>
                    options with { Rates = [.. rates.Select(r => r!.Value)] },
                ("--seconds", _) when Number(value, 1, 3600) is { } seconds => options with { Seconds = seconds },
                ("--backlog", _) when Number(value, 0, 1_000_000) is { } backlog => options with { Backlog = backlog },
                ("--rounds", _) when Number(value, 1, 100) is { } rounds => options with { Rounds = rounds },
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

    static int? Number(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
