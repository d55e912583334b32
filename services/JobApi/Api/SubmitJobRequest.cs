using System.Text.Json;
using System.Text.RegularExpressions;
using Jobs.Contracts;

namespace Jobs.JobApi.Api;

/// <summary>
/// Reads the body of <c>POST /api/jobs</c> field by field, so every mistake is reported against the field that made it
/// (unknown fields included) instead of as one opaque deserialisation error.
/// </summary>
public static partial class SubmitJobRequest
{
    public const int MaxCommandLength = 4096;
    public const int MaxArgs = 256;
    public const int MaxArgLength = 32 * 1024;
    public const string DefaultPool = "default";

    static readonly HashSet<string> KnownFields = ["command", "args", "shell", "pool"];

    public static (JobSpec? Spec, Dictionary<string, string[]> Errors) Parse(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["The body must be a JSON object."];
            return (null, errors);
        }

        foreach (var property in body.EnumerateObject().Where(p => !KnownFields.Contains(p.Name)))
            errors[property.Name] = [$"Unknown field. Known fields: {string.Join(", ", KnownFields)}."];

        var command = ReadCommand(body, errors);
        var args = ReadArgs(body, errors);
        var shell = ReadShell(body, errors);
        var pool = ReadPool(body, errors);

        return errors.Count == 0 ? (new JobSpec(command!, args, shell, pool), errors) : (null, errors);
    }

    static string? ReadCommand(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("command", out var value) || value.ValueKind == JsonValueKind.Null)
            errors["command"] = ["Required."];
        else if (value.ValueKind != JsonValueKind.String)
            errors["command"] = [$"Must be a string, not {Describe(value)}."];
        else if (string.IsNullOrWhiteSpace(value.GetString()))
            errors["command"] = ["Must not be empty."];
        else if (value.GetString()!.Length > MaxCommandLength)
            errors["command"] = [$"Must be at most {MaxCommandLength} characters."];
        else if (value.GetString()!.Contains('\0', StringComparison.Ordinal))
            errors["command"] = ["Must not contain NUL characters."];
        else
            return value.GetString();
        return null;
    }

    static string[] ReadArgs(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("args", out var value) || value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors["args"] = [$"Must be an array of strings, not {Describe(value)}."];
            return [];
        }
        if (value.GetArrayLength() > MaxArgs)
        {
            errors["args"] = [$"Must have at most {MaxArgs} items."];
            return [];
        }

        var args = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var field = $"args[{index++}]";
            if (item.ValueKind != JsonValueKind.String)
                errors[field] = [$"Must be a string, not {Describe(item)}."];
            else if (item.GetString()!.Length > MaxArgLength)
                errors[field] = [$"Must be at most {MaxArgLength} characters."];
            else if (item.GetString()!.Contains('\0', StringComparison.Ordinal))
                errors[field] = ["Must not contain NUL characters."];
            else
                args.Add(item.GetString()!);
        }
        return [.. args];
    }

    static bool ReadShell(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("shell", out var value) || value.ValueKind == JsonValueKind.Null)
            return false;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return value.GetBoolean();
        errors["shell"] = [$"Must be true or false, not {Describe(value)}."];
        return false;
    }

    static string ReadPool(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("pool", out var value) || value.ValueKind == JsonValueKind.Null)
            return DefaultPool;
        if (value.ValueKind == JsonValueKind.String && PoolName().IsMatch(value.GetString()!))
            return value.GetString()!;
        errors["pool"] = ["Must be 1 to 64 lowercase letters, digits or dashes."];
        return DefaultPool;
    }

    static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}\z")]
    private static partial Regex PoolName();
}
