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

    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int MaxGraceSeconds = 3600;
    public const int MaxAttempts = 100;
    public const int MaxLabels = 32;
    public const int MaxEnv = 128;
    public const long MaxOutputCapBytes = 10L * 1024 * 1024 * 1024;

    public const int MaxParameters = 64;
    public const int MaxErrors = 50;

    static readonly HashSet<string> KnownFields = ["command", "args", "shell", "template", "parameters", "pool", "env", "workingDirectory", "outputCapBytes", "resources", "executorId", "executorLabels", "priority", "timeoutSeconds", "queueTimeoutSeconds", "cancelGraceSeconds", "retry"];
    static readonly HashSet<string> KnownResourceFields = ["cpuPercent", "memoryMb", "ioBytesPerSecond", "pids"];
    static readonly HashSet<string> KnownRetryFields = ["maxAttempts", "initialDelaySeconds", "backoffMultiplier", "maxDelaySeconds", "jitter", "retryOn"];
    static readonly Dictionary<string, FailureClass> FailureClasses = new()
    {
        ["exitCode"] = FailureClass.ExitCode,
        ["timeout"] = FailureClass.Timeout,
        ["lost"] = FailureClass.Lost,
        ["rejected"] = FailureClass.Rejected,
    };

    /// <summary>
    /// The job asked for, either as a command or as a named template with parameters. With a template the spec's
    /// command is empty until <see cref="Security.CommandPolicy"/> fills it in from the template.
    /// </summary>
    public static (Submission? Submission, Dictionary<string, string[]> Errors) Parse(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["The body must be a JSON object."];
            return (null, errors);
        }

        foreach (var property in body.EnumerateObject().Where(p => !KnownFields.Contains(p.Name)))
            errors[property.Name] = [$"Unknown field. Known fields: {string.Join(", ", KnownFields)}."];

        var template = ReadTemplate(body, errors);
        var command = template is null ? ReadCommand(body, errors) : "";
        var args = ReadArgs(body, errors);
        var shell = ReadShell(body, errors);
        var pool = ReadPool(body, errors);
        var executorId = ReadExecutorId(body, errors);
        var labels = ReadLabels(body, errors);
        var env = ReadEnv(body, errors);
        var workingDirectory = ReadWorkingDirectory(body, errors);
        var outputCap = ReadOutputCap(body, errors);
        var resources = ReadResources(body, errors);
        var priority = ReadInteger(body, "priority", -1000, 1000, errors) ?? 0;
        var timeout = ReadInteger(body, "timeoutSeconds", 1, MaxTimeoutSeconds, errors);
        var queueTimeout = ReadInteger(body, "queueTimeoutSeconds", 1, MaxTimeoutSeconds, errors);
        var grace = ReadInteger(body, "cancelGraceSeconds", 0, MaxGraceSeconds, errors);
        var retry = ReadRetry(body, errors);

        if (errors.Count > 0)
            return (null, Capped(errors));
        var spec = new JobSpec(command!, args, shell, pool) { Env = env, WorkingDirectory = workingDirectory, OutputCapBytes = outputCap, Resources = resources, ExecutorId = executorId, ExecutorLabels = labels, Priority = priority, TimeoutSeconds = timeout, QueueTimeoutSeconds = queueTimeout, Retry = retry };
        return (new Submission(grace is { } seconds ? spec with { CancelGraceSeconds = seconds } : spec, template), errors);
    }

    /// <summary>
    /// At most <see cref="MaxErrors"/> fields are reported, so a body of thousands of mistakes gets an answer of a
    /// few kilobytes, not megabytes; <c>$</c> says how many more there were.
    /// </summary>
    static Dictionary<string, string[]> Capped(Dictionary<string, string[]> errors)
    {
        if (errors.Count <= MaxErrors)
            return errors;
        var capped = errors.Take(MaxErrors).ToDictionary();
        capped["$"] = [$"{errors.Count - MaxErrors} more fields have mistakes; fix these first."];
        return capped;
    }

    /// <summary>A template call: the template's name and its parameters; <c>command</c>, <c>args</c> and <c>shell</c> come from the template.</summary>
    static TemplateCall? ReadTemplate(JsonElement body, Dictionary<string, string[]> errors)
    {
        var hasParameters = body.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Null;
        if (!body.TryGetProperty("template", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (hasParameters)
                errors["parameters"] = ["Only with a template."];
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || !TemplateName().IsMatch(value.GetString()!))
        {
            errors["template"] = ["Must be 1 to 64 letters, digits, dots, dashes or underscores."];
            return null;
        }
        foreach (var field in new[] { "command", "args", "shell" })
        {
            if (body.TryGetProperty(field, out var given) && given.ValueKind != JsonValueKind.Null)
                errors[field] = ["Give either a template or a command, not both: the template sets the command, its arguments and shell."];
        }

        var values = new Dictionary<string, string>();
        if (!hasParameters)
            return new TemplateCall(value.GetString()!, values);
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            errors["parameters"] = [$"Must be an object of parameter names to string values, not {Describe(parameters)}."];
            return null;
        }
        foreach (var parameter in parameters.EnumerateObject())
        {
            if (values.Count == MaxParameters)
            {
                errors["parameters"] = [$"At most {MaxParameters} parameters."];
                break;
            }
            if (parameter.Value.ValueKind != JsonValueKind.String || parameter.Value.GetString()!.Length > MaxArgLength
                || parameter.Value.GetString()!.Contains('\0', StringComparison.Ordinal))
                errors[$"parameters.{parameter.Name}"] = [$"Must be a string of at most {MaxArgLength} characters without NUL."];
            else
                values[parameter.Name] = parameter.Value.GetString()!;
        }
        return new TemplateCall(value.GetString()!, values);
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

    static string? ReadExecutorId(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("executorId", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String && ExecutorName().IsMatch(value.GetString()!))
            return value.GetString();
        errors["executorId"] = ["Must be 1 to 128 lowercase letters, digits, dots, dashes or underscores."];
        return null;
    }

    static ResourceLimits ReadResources(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("resources", out var value) || value.ValueKind == JsonValueKind.Null)
            return new ResourceLimits();
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors["resources"] = [$"Must be an object, not {Describe(value)}."];
            return new ResourceLimits();
        }
        foreach (var property in value.EnumerateObject().Where(p => !KnownResourceFields.Contains(p.Name)))
            errors[$"resources.{property.Name}"] = [$"Unknown field. Known fields: {string.Join(", ", KnownResourceFields)}."];

        long? io = null;
        if (value.TryGetProperty("ioBytesPerSecond", out var ioValue) && ioValue.ValueKind != JsonValueKind.Null)
        {
            if (ioValue.ValueKind == JsonValueKind.Number && ioValue.TryGetInt64(out var bytes) && bytes >= 1)
                io = bytes;
            else
                errors["resources.ioBytesPerSecond"] = ["Must be a whole number of at least 1."];
        }
        return new ResourceLimits
        {
            CpuPercent = ReadInteger(value, "cpuPercent", 1, 100_000, errors, "resources.cpuPercent"),
            MemoryMb = ReadInteger(value, "memoryMb", 4, 1_048_576, errors, "resources.memoryMb"),
            IoBytesPerSecond = io,
            Pids = ReadInteger(value, "pids", 1, 1_000_000, errors, "resources.pids"),
        };
    }

    static Dictionary<string, string> ReadEnv(JsonElement body, Dictionary<string, string[]> errors)
    {
        var env = new Dictionary<string, string>();
        if (!body.TryGetProperty("env", out var value) || value.ValueKind == JsonValueKind.Null)
            return env;
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors["env"] = [$"Must be an object of variable names to values, not {Describe(value)}."];
            return env;
        }
        foreach (var variable in value.EnumerateObject())
        {
            if (!VariableName().IsMatch(variable.Name))
                errors[$"env.{variable.Name}"] = ["Variable names are letters, digits and underscores, not starting with a digit."];
            else if (variable.Value.ValueKind != JsonValueKind.String || variable.Value.GetString()!.Length > MaxArgLength
                || variable.Value.GetString()!.Contains('\0', StringComparison.Ordinal))
                errors[$"env.{variable.Name}"] = [$"Must be a string of at most {MaxArgLength} characters without NUL."];
            else
                env[variable.Name] = variable.Value.GetString()!;
        }
        if (env.Count > MaxEnv)
            errors["env"] = [$"At most {MaxEnv} variables."];
        return env;
    }

    static string? ReadWorkingDirectory(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("workingDirectory", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= MaxCommandLength } path
            && path.StartsWith('/') && !path.Contains('\0', StringComparison.Ordinal))
            return path;
        errors["workingDirectory"] = ["Must be an absolute path (starting with /) of at most 4096 characters."];
        return null;
    }

    static long? ReadOutputCap(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("outputCapBytes", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var bytes) && bytes is >= 0 and <= MaxOutputCapBytes)
            return bytes;
        errors["outputCapBytes"] = [$"Must be a whole number from 0 to {MaxOutputCapBytes}."];
        return null;
    }

    static Dictionary<string, string> ReadLabels(JsonElement body, Dictionary<string, string[]> errors)
    {
        var labels = new Dictionary<string, string>();
        if (!body.TryGetProperty("executorLabels", out var value) || value.ValueKind == JsonValueKind.Null)
            return labels;
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors["executorLabels"] = [$"Must be an object of label names to values, not {Describe(value)}."];
            return labels;
        }
        foreach (var label in value.EnumerateObject())
        {
            if (!LabelName().IsMatch(label.Name))
                errors[$"executorLabels.{label.Name}"] = ["Label names are 1 to 63 letters, digits, dots, dashes or underscores."];
            else if (label.Value.ValueKind != JsonValueKind.String || label.Value.GetString()!.Length > 256)
                errors[$"executorLabels.{label.Name}"] = ["Must be a string of at most 256 characters."];
            else if (label.Value.GetString()!.Contains('\0', StringComparison.Ordinal))
                // PostgreSQL cannot store NUL in jsonb (or text): the saga's insert would fail on every retry.
                errors[$"executorLabels.{label.Name}"] = ["Must not contain NUL characters."];
            else
                labels[label.Name] = label.Value.GetString()!;
        }
        if (labels.Count > MaxLabels)
            errors["executorLabels"] = [$"At most {MaxLabels} labels."];
        return labels;
    }

    static int? ReadInteger(JsonElement body, string field, int min, int max, Dictionary<string, string[]> errors, string? path = null)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
            return number;
        errors[path ?? field] = [$"Must be a whole number from {min} to {max}."];
        return null;
    }

    static double? ReadNumber(JsonElement body, string field, double min, double max, Dictionary<string, string[]> errors, string path)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && number >= min && number <= max)
            return number;
        errors[path] = [$"Must be a number from {min} to {max}."];
        return null;
    }

    static RetryPolicy ReadRetry(JsonElement body, Dictionary<string, string[]> errors)
    {
        var policy = new RetryPolicy();
        if (!body.TryGetProperty("retry", out var retry) || retry.ValueKind == JsonValueKind.Null)
            return policy;
        if (retry.ValueKind != JsonValueKind.Object)
        {
            errors["retry"] = [$"Must be an object, not {Describe(retry)}."];
            return policy;
        }

        foreach (var property in retry.EnumerateObject().Where(p => !KnownRetryFields.Contains(p.Name)))
            errors[$"retry.{property.Name}"] = [$"Unknown field. Known fields: {string.Join(", ", KnownRetryFields)}."];

        policy = policy with
        {
            MaxAttempts = ReadInteger(retry, "maxAttempts", 1, MaxAttempts, errors, "retry.maxAttempts") ?? policy.MaxAttempts,
            InitialDelaySeconds = ReadNumber(retry, "initialDelaySeconds", 0, 86400, errors, "retry.initialDelaySeconds") ?? policy.InitialDelaySeconds,
            BackoffMultiplier = ReadNumber(retry, "backoffMultiplier", 1, 100, errors, "retry.backoffMultiplier") ?? policy.BackoffMultiplier,
            MaxDelaySeconds = ReadNumber(retry, "maxDelaySeconds", 0, 86400, errors, "retry.maxDelaySeconds") ?? policy.MaxDelaySeconds,
            Jitter = ReadNumber(retry, "jitter", 0, 1, errors, "retry.jitter") ?? policy.Jitter,
        };

        if (!retry.TryGetProperty("retryOn", out var retryOn) || retryOn.ValueKind == JsonValueKind.Null)
            return policy;
        if (retryOn.ValueKind != JsonValueKind.Array)
        {
            errors["retry.retryOn"] = [$"Must be an array, not {Describe(retryOn)}."];
            return policy;
        }
        var classes = new List<FailureClass>();
        var index = 0;
        foreach (var item in retryOn.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && FailureClasses.TryGetValue(item.GetString()!, out var failure))
                classes.Add(failure);
            else
                errors[$"retry.retryOn[{index}]"] = [$"Must be one of: {string.Join(", ", FailureClasses.Keys)}."];
            index++;
        }
        return policy with { RetryOn = [.. classes.Distinct()] };
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

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex TemplateName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,127}\z")]
    private static partial Regex ExecutorName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\z")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,127}\z")]
    private static partial Regex VariableName();
}

/// <summary>A parsed submit: the job, and the template it names, if it names one.</summary>
public sealed record Submission(JobSpec Spec, TemplateCall? Template);

/// <summary>A named template and the values given for its parameters.</summary>
public sealed record TemplateCall(string Name, IReadOnlyDictionary<string, string> Parameters);
