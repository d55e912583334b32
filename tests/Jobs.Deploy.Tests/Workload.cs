using System.Text.Json.Nodes;

namespace Jobs.Deploy.Tests;

/// <summary>A Deployment, DaemonSet or StatefulSet and its pod template.</summary>
public sealed class Workload(JsonObject resource)
{
    public JsonObject Resource { get; } = resource;

    public string Kind => Resource.Str("kind")!;

    public string Name => Resource.Str("metadata", "name")!;

    public string Namespace => Resource.Str("metadata", "namespace") ?? "";

    public JsonObject Template => Resource.Obj("spec", "template") ?? throw new InvalidOperationException($"{this} has no pod template.");

    public JsonObject PodSpec => Template.Obj("spec")!;

    public IReadOnlyDictionary<string, string> PodLabels => Template.StringMap("metadata", "labels");

    public IReadOnlyDictionary<string, string> PodAnnotations => Template.StringMap("metadata", "annotations");

    public string AppName => PodLabels.GetValueOrDefault("app.kubernetes.io/name", "");

    public IEnumerable<JsonObject> Containers => PodSpec.Arr("containers").OfType<JsonObject>();

    public long? Replicas => Resource.Obj("spec")?["replicas"]?.GetValue<long>();

    public override string ToString() => $"{Kind} {Name}";
}
