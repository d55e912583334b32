using System.Globalization;

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
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new BenchOptions(Runs: 300, Warmup: 10, IdleSettle: TimeSpan.FromSeconds(10), ExecutorDll: null);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error.WriteLine(Usage);
                return null;
            }
            if (i + 1 >= args.Count)
                return Fail(error, $"{name} needs a value.");
            var value = args[++i];
            switch (name)
            {
                case "--runs" when PositiveInt(value) is { } runs:
                    options = options with { Runs = runs };
                    break;
                case "--warmup" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var warmup):
                    options = options with { Warmup = warmup };
                    break;
                case "--idle-seconds" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds):
                    options = options with { IdleSettle = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--executor-dll":
                    options = options with { ExecutorDll = value };
                    break;
                default:
                    return Fail(error, $"Unknown option or bad value: {name} {value}");
            }
        }
        return options;
    }

    static int? PositiveInt(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;

    static BenchOptions? Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        error.WriteLine(Usage);
        return null;
    }
}
