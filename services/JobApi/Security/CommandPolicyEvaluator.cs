using System.Text.RegularExpressions;
using Jobs.Contracts;
using Jobs.JobApi.Api;
using Microsoft.Extensions.Options;

namespace Jobs.JobApi.Security;

/// <summary>Why a submit was refused: the configuration key of the rule, and what it did not allow.</summary>
public sealed record PolicyDenial(string Rule, string Reason);

/// <summary>
/// Decides whether a caller may run a submitted job under its tenant's <see cref="CommandPolicy"/>, and expands template
/// calls into commands. A template's parameters that are wrong are the caller's mistake (400, naming the parameter);
/// a job the policy does not allow is a denial (403, naming the rule).
/// </summary>
public sealed partial class CommandPolicyEvaluator(IOptionsMonitor<CommandPolicyOptions> options)
{
    static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    public (JobSpec? Spec, PolicyDenial? Denial, Dictionary<string, string[]> Errors) Evaluate(Caller caller, Submission submission)
    {
        var (policy, rules) = PolicyOf(caller.Tenant);
        var errors = new Dictionary<string, string[]>();
        var spec = submission.Spec;

        if (spec.WorkingDirectory is { } directory && HasTraversal(directory))
            return (null, new PolicyDenial($"{rules}:WorkingDirectories", $"'{directory}' has '.' or '..' segments; a working directory must be a plain absolute path."), errors);

        if (submission.Template is { } call)
        {
            if (!policy.Templates.TryGetValue(call.Name, out var template))
            {
                errors["template"] = [policy.Templates.Count == 0
                    ? $"Tenant '{caller.Tenant}' has no templates."
                    : $"Unknown template. Known templates: {string.Join(", ", policy.Templates.Keys.Order(StringComparer.Ordinal))}."];
                return (null, null, errors);
            }
            var args = Expand(template, call, errors);
            if (errors.Count > 0)
                return (null, null, errors);
            spec = spec with { Command = template.Command, Args = args, Shell = template.Shell };
            // A template is trusted as written; what the caller still chooses (environment, directory) is checked below.
            return Decide(spec, Unrestricted(caller, policy) ? null : CheckChoices(spec, policy, rules), errors);
        }

        if (Unrestricted(caller, policy))
            return (spec, null, errors);
        if (policy.TemplatesOnly)
            return (null, new PolicyDenial($"{rules}:TemplatesOnly", $"Operators of tenant '{caller.Tenant}' may run only templates, not commands of their own."), errors);
        if (spec.Shell && !policy.AllowShell)
            return (null, new PolicyDenial($"{rules}:AllowShell", $"Operators of tenant '{caller.Tenant}' may not run shell scripts."), errors);
        return Decide(spec, CheckCommand(spec, policy, rules, caller.Tenant) ?? CheckChoices(spec, policy, rules), errors);
    }

    /// <summary>The job to run, or (with a denial) none.</summary>
    static (JobSpec?, PolicyDenial?, Dictionary<string, string[]>) Decide(JobSpec spec, PolicyDenial? denial, Dictionary<string, string[]> errors) =>
        denial is null ? (spec, null, errors) : (null, denial, errors);

    (CommandPolicy Policy, string Rules) PolicyOf(string tenant)
    {
        var current = options.CurrentValue;
        return current.Tenants.TryGetValue(tenant, out var own)
            ? (own, $"{CommandPolicyOptions.Section}:Tenants:{tenant}")
            : (current.Default, $"{CommandPolicyOptions.Section}:Default");
    }

    static bool Unrestricted(Caller caller, CommandPolicy policy) => caller.IsAdmin && policy.AdminsRunAnyCommand;

    static PolicyDenial? CheckCommand(JobSpec spec, CommandPolicy policy, string rules, string tenant)
    {
        var candidates = policy.Commands.Where(c => c.Command == spec.Command).ToList();
        if (candidates.Count == 0)
            return new PolicyDenial($"{rules}:Commands", $"'{spec.Command}' is not among the commands operators of tenant '{tenant}' may run.");
        foreach (var allowed in candidates)
        {
            if (allowed.MaxArgs is { } max && spec.Args.Count > max)
                continue;
            if (allowed.Args is null || spec.Args.All(a => MatchesWhole(a, allowed.Args)))
                return null;
        }
        return new PolicyDenial($"{rules}:Commands", $"The arguments given to '{spec.Command}' are not among those its rule allows.");
    }

    /// <summary>What the caller chooses besides the command: environment names and the working directory.</summary>
    static PolicyDenial? CheckChoices(JobSpec spec, CommandPolicy policy, string rules)
    {
        var denied = policy.DeniedEnv ?? CommandPolicy.DefaultDeniedEnv;
        foreach (var name in spec.Env.Keys)
        {
            if (denied.Any(d => d.EndsWith('*') ? name.StartsWith(d[..^1], StringComparison.Ordinal) : name == d))
                return new PolicyDenial($"{rules}:DeniedEnv", $"Operators may not set the environment variable '{name}'.");
        }
        if (spec.WorkingDirectory is { } directory && !policy.WorkingDirectories.Any(root => IsUnder(directory, root)))
        {
            return new PolicyDenial($"{rules}:WorkingDirectories", policy.WorkingDirectories.Count == 0
                ? "Operators may not choose a working directory."
                : $"'{directory}' is not under one of: {string.Join(", ", policy.WorkingDirectories)}.");
        }
        return null;
    }

    static string[] Expand(JobTemplate template, TemplateCall call, Dictionary<string, string[]> errors)
    {
        foreach (var name in call.Parameters.Keys.Where(n => !template.Parameters.ContainsKey(n)))
            errors[$"parameters.{name}"] = [$"Unknown parameter. Known parameters: {string.Join(", ", template.Parameters.Keys.Order(StringComparer.Ordinal))}."];
        foreach (var (name, pattern) in template.Parameters)
        {
            if (!call.Parameters.TryGetValue(name, out var value))
                errors[$"parameters.{name}"] = ["Required."];
            else if (!MatchesWhole(value, pattern))
                errors[$"parameters.{name}"] = [$"Must match {pattern}."];
        }
        return [.. template.Args.Select(arg => Placeholder().Replace(arg, m =>
            call.Parameters.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value))];
    }

    static bool MatchesWhole(string value, string pattern)
    {
        try
        {
            return Regex.IsMatch(value, $"^(?:{pattern})$", RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    static bool HasTraversal(string path) => path.Split('/').Any(segment => segment is "." or "..");

    static bool IsUnder(string path, string root)
    {
        var trimmed = root.TrimEnd('/');
        return path.TrimEnd('/') == trimmed || path.StartsWith(trimmed + "/", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();
}
