using System.Text.Json.Nodes;

namespace Jobs.Deploy.Tests;

/// <summary>One rendered install: every resource of <c>kubectl kustomize</c>'s output.</summary>
public sealed class Manifests(IReadOnlyList<JsonObject> resources)
{
    /// <summary>The Jobs services: the <c>app.kubernetes.io/name</c> of their pods and the name of their image.</summary>
    public static readonly IReadOnlyList<string> Services = ["gateway", "jobapi", "scheduler", "logsink", "executor"];

    static readonly string[] WorkloadKinds = ["Deployment", "DaemonSet", "StatefulSet"];

    public IReadOnlyList<JsonObject> Resources { get; } = resources;

    public static Manifests Parse(string yaml) => new([.. YamlJson.Documents(yaml)]);

    public IEnumerable<JsonObject> OfKind(string kind) => Resources.Where(r => r.Str("kind") == kind);

    public JsonObject? Find(string kind, string name) => OfKind(kind).FirstOrDefault(r => r.Str("metadata", "name") == name);

    public IEnumerable<Workload> Workloads =>
        Resources.Where(r => WorkloadKinds.Contains(r.Str("kind"))).Select(r => new Workload(r));

    /// <summary>The workloads that run a Jobs service (by their pods' <c>app.kubernetes.io/name</c>).</summary>
    public IEnumerable<Workload> JobsWorkloads => Workloads.Where(w => Services.Contains(w.AppName));

    /// <summary>Every pod template of the install, for evaluating NetworkPolicy selectors.</summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> PodLabelSets => Workloads.Select(w => w.PodLabels);

    /// <summary>
    /// The environment a container gets: its <c>envFrom</c> ConfigMaps and Secrets (which must be in the render),
    /// then its <c>env</c>, later entries winning as in Kubernetes. Values from Secrets and fields are not resolved.
    /// </summary>
    public IReadOnlyDictionary<string, EnvironmentValue> Environment(JsonObject container)
    {
        var environment = new Dictionary<string, EnvironmentValue>(StringComparer.Ordinal);
        foreach (var source in container.Arr("envFrom"))
        {
            if (source?["configMapRef"]?.Str("name") is { } configMap)
            {
                var data = Find("ConfigMap", configMap)?.Obj("data")
                    ?? throw new InvalidOperationException($"envFrom ConfigMap {configMap} is not in the render.");
                foreach (var (key, value) in data)
                    environment[key] = new EnvironmentValue(value?.GetValue<string>(), $"ConfigMap {configMap}");
            }
            if (source?["secretRef"]?.Str("name") is { } secret)
            {
                var data = Find("Secret", secret)?.Obj("data")
                    ?? throw new InvalidOperationException($"envFrom Secret {secret} is not in the render.");
                foreach (var (key, _) in data)
                    environment[key] = new EnvironmentValue(null, $"Secret {secret}");
            }
        }
        foreach (var variable in container.Arr("env").OfType<JsonObject>())
        {
            var name = variable.Str("name")!;
            environment[name] = variable["valueFrom"] switch
            {
                null => new EnvironmentValue(variable.Str("value") ?? "", "value"),
                JsonObject from when from["secretKeyRef"] is JsonObject key =>
                    new EnvironmentValue(null, $"Secret {key.Str("name")} key {key.Str("key")}"),
                JsonObject from when from["fieldRef"] is JsonObject field => new EnvironmentValue(null, $"field {field.Str("fieldPath")}"),
                JsonObject from when from["configMapKeyRef"] is JsonObject key =>
                    new EnvironmentValue(Find("ConfigMap", key.Str("name")!)?.Obj("data")?.Str(key.Str("key")!), $"ConfigMap {key.Str("name")}"),
                _ => new EnvironmentValue(null, "other"),
            };
        }
        return environment;
    }
}

/// <summary>An environment variable's value where the render says it, and where it comes from.</summary>
public sealed record EnvironmentValue(string? Value, string Source);
