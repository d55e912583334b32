namespace Jobs.Bench;

/// <summary>
/// A benchmark's command line (bench/Common): <c>--name value</c> options and <c>--flag</c>s, applied in the order given
/// to the settings' defaults; <c>-h</c> or <c>--help</c> prints the usage. An unknown option, or a value missing or not
/// of its kind, is reported with the option's name and why, followed by the usage.
/// </summary>
internal sealed class BenchArgs<TSettings>(string usage) where TSettings : class
{
    delegate bool Apply(TSettings settings, string value, out TSettings next);

    sealed record Entry(string? Expected, Apply Apply);

    readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>An option without a value.</summary>
    public BenchArgs<TSettings> Flag(string name, Func<TSettings, TSettings> apply)
    {
        entries.Add(name, new Entry(null, (TSettings settings, string _, out TSettings next) =>
        {
            next = apply(settings);
            return true;
        }));
        return this;
    }

    /// <summary>An option followed by a value of the given kind.</summary>
    public BenchArgs<TSettings> Option<TValue>(string name, ArgValue<TValue> kind, Func<TSettings, TValue, TSettings> apply)
    {
        entries.Add(name, new Entry(kind.Expected, (TSettings settings, string text, out TSettings next) =>
        {
            if (kind.Read(text, out var value))
            {
                next = apply(settings, value);
                return true;
            }
            next = settings;
            return false;
        }));
        return this;
    }

    /// <summary>
    /// The settings <paramref name="args"/> make of <paramref name="defaults"/>; null (after printing why, and the usage,
    /// to <paramref name="error"/>) when they are not valid or help was asked for.
    /// </summary>
    public TSettings? Parse(IReadOnlyList<string> args, TSettings defaults, TextWriter error)
    {
        var settings = defaults;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error.WriteLine(usage);
                return null;
            }
            if (!entries.TryGetValue(name, out var entry))
                return Fail(error, $"Unknown option {name}.");
            if (entry.Expected is null)
            {
                entry.Apply(settings, "", out settings);
                continue;
            }
            if (i + 1 >= args.Count)
                return Fail(error, $"{name} needs a value: {entry.Expected}.");
            var value = args[++i];
            if (!entry.Apply(settings, value, out settings))
                return Fail(error, $"{name}: '{value}' is not {entry.Expected}.");
        }
        return settings;
    }

    TSettings? Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        error.WriteLine(usage);
        return null;
    }
}
