using System.Text.Json.Nodes;

namespace Jobs.Deploy.Tests;

/// <summary>Kubernetes label selectors (matchLabels and matchExpressions) evaluated against a set of labels.</summary>
public static class LabelSelector
{
    /// <summary>Whether the selector picks these labels; an empty selector picks everything, an absent one nothing.</summary>
    public static bool Matches(JsonObject? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
            return false;
        foreach (var (key, value) in selector.StringMap("matchLabels"))
        {
            if (labels.GetValueOrDefault(key) != value)
                return false;
        }
        foreach (var expression in selector.Arr("matchExpressions"))
        {
            var key = expression.Str("key")!;
            var values = expression.Arr("values").Select(v => v?.ToString()).ToHashSet();
            var has = labels.TryGetValue(key, out var actual);
            var matches = expression.Str("operator") switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                var op => throw new NotSupportedException($"Selector operator {op}"),
            };
            if (!matches)
                return false;
        }
        return true;
    }

    /// <summary>A selector with neither matchLabels nor matchExpressions: it picks every pod (or namespace).</summary>
    public static bool IsEmpty(JsonObject? selector) =>
        selector is not null && !selector.StringMap("matchLabels").Any() && !selector.Arr("matchExpressions").Any();
}
