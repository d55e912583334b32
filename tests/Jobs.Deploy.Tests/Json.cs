using System.Text.Json.Nodes;

namespace Jobs.Deploy.Tests;

/// <summary>Walking the rendered manifests: absent fields read as null or empty rather than throwing.</summary>
public static class Json
{
    public static JsonObject? Obj(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
            node = (node as JsonObject)?[key];
        return node as JsonObject;
    }

    public static string? Str(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
            node = (node as JsonObject)?[key];
        return node is JsonValue value ? value.ToString() : null;
    }

    public static IEnumerable<JsonNode?> Arr(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
            node = (node as JsonObject)?[key];
        return node as JsonArray ?? [];
    }

    public static IReadOnlyDictionary<string, string> StringMap(this JsonNode? node, params string[] path) =>
        node.Obj(path)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);
}
