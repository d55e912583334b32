using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Jobs.Bench;

/// <summary>Reads an option's value; false when the text is not one.</summary>
internal delegate bool ArgReader<TValue>(string text, [MaybeNullWhen(false)] out TValue value);

/// <summary>What an option's value must be (<see cref="Expected"/> completes "… is not …" in the error) and how it is read.</summary>
internal sealed record ArgValue<TValue>(string Expected, ArgReader<TValue> Read);

/// <summary>The kinds of value the benchmarks' options take (bench/Common).</summary>
internal static class ArgValue
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, digits only (no sign).</summary>
    public static ArgValue<int> Int(int min, int max = int.MaxValue) => new(
        max == int.MaxValue ? $"a whole number of at least {min}" : $"a whole number from {min} to {max}",
        (string text, out int value) => TryInt(text, min, max, out value));

    /// <summary>A number above 0 and at most <paramref name="max"/>.</summary>
    public static ArgValue<double> Positive(double max) => new(
        string.Create(CultureInfo.InvariantCulture, $"a number above 0 and at most {max}"),
        (string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0 && value <= max);

    /// <summary>Comma-separated whole numbers, each from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static ArgValue<IReadOnlyList<int>> Ints(int min, int max)
    {
        return new($"a comma-separated list of whole numbers from {min} to {max}", ReadInts);

        bool ReadInts(string text, [MaybeNullWhen(false)] out IReadOnlyList<int> value)
        {
            var numbers = new List<int>();
            foreach (var part in text.Split(','))
            {
                if (!TryInt(part, min, max, out var number))
                {
                    value = null;
                    return false;
                }
                numbers.Add(number);
            }
            value = numbers;
            return true;
        }
    }

    /// <summary>An absolute http or https URL.</summary>
    public static ArgValue<Uri> HttpUrl { get; } = new("an absolute http(s) URL", ReadHttpUrl);

    /// <summary>Any text, empty too.</summary>
    public static ArgValue<string> Text { get; } = new("text", (string text, [MaybeNullWhen(false)] out string value) =>
    {
        value = text;
        return true;
    });

    /// <summary>Text that is not empty.</summary>
    public static ArgValue<string> NonEmpty { get; } = new("a non-empty string", (string text, [MaybeNullWhen(false)] out string value) =>
    {
        value = text;
        return text.Length > 0;
    });

    /// <summary><c>on</c> or <c>off</c>, in lower case.</summary>
    public static ArgValue<bool> OnOff { get; } = new("on or off", (string text, out bool value) =>
    {
        value = text == "on";
        return text is "on" or "off";
    });

    /// <summary>One of <typeparamref name="TEnum"/>'s names, in any case.</summary>
    public static ArgValue<TEnum> OneOf<TEnum>() where TEnum : struct, Enum => new(
        $"one of {string.Join(", ", Enum.GetNames<TEnum>().Select(name => name.ToLowerInvariant()))}",
        (string text, out TEnum value) => Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value));

    /// <summary>A value <paramref name="read"/> makes of the text, or null when it makes none.</summary>
    public static ArgValue<TValue> Of<TValue>(string expected, Func<string, TValue?> read) where TValue : class => new(
        expected,
        (string text, [MaybeNullWhen(false)] out TValue value) => (value = read(text)) is not null);

    static bool TryInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    static bool ReadHttpUrl(string text, [MaybeNullWhen(false)] out Uri value) =>
        Uri.TryCreate(text, UriKind.Absolute, out value) && value.Scheme is "http" or "https";
}
