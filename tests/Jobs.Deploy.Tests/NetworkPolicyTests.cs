using System.Text.Json.Nodes;

namespace Jobs.Deploy.Tests;

/// <summary>Ingress: denied by default, the gateway open, the API reachable from the gateway only.</summary>
public sealed class NetworkPolicyTests
{
    const string Monitoring = "monitoring";

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void Namespace_DeniesIngressByDefault(string install)
    {
        var policies = Kustomize.Render(install).OfKind("NetworkPolicy");

        Assert.Contains(policies, p =>
            LabelSelector.IsEmpty(p.Obj("spec", "podSelector"))
            && p.Arr("spec", "policyTypes").Any(t => t?.ToString() == "Ingress")
            && !p.Arr("spec", "ingress").Any());
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void JobApi_IsReachableOnlyFromTheGateway(string install)
    {
        var manifests = Kustomize.Render(install);
        var jobapi = manifests.JobsWorkloads.Single(w => w.AppName == "jobapi");
        var gatewayAllowed = false;

        foreach (var peer in PeersReaching(manifests, jobapi.PodLabels, 8080))
        {
            Assert.True(peer is not null, "a policy lets anyone reach jobapi on 8080");
            Assert.True(peer["ipBlock"] is null, "a policy lets an IP block reach jobapi");
            if (peer["namespaceSelector"] is JsonObject namespaces)
            {
                // The one exception: Prometheus scrapes /metrics, which jobapi serves on its only port.
                Assert.True(
                    namespaces.StringMap("matchLabels").SequenceEqual([KeyValuePair.Create("kubernetes.io/metadata.name", Monitoring)])
                    && !namespaces.Arr("matchExpressions").Any(),
                    $"a policy lets namespaces other than {Monitoring} reach jobapi");
                continue;
            }
            var pods = peer.Obj("podSelector");
            Assert.False(LabelSelector.IsEmpty(pods), "a policy lets every pod of the namespace reach jobapi");
            var reached = manifests.Workloads.Where(w => LabelSelector.Matches(pods, w.PodLabels)).Select(w => w.ToString()).ToList();
            Assert.True(reached.All(w => w == "Deployment gateway"), $"jobapi is reachable from {string.Join(", ", reached)}");
            gatewayAllowed |= reached.Count > 0;
        }

        Assert.True(gatewayAllowed, "no policy lets the gateway reach jobapi on 8080");
        var exposing = manifests.OfKind("Service").Where(s => LabelSelector.Matches(s.Obj("spec", "selector") is { } selector
            ? new JsonObject { ["matchLabels"] = selector.DeepClone() } : null, jobapi.PodLabels));
        Assert.All(exposing, s => Assert.Equal("ClusterIP", s.Str("spec", "type") ?? "ClusterIP"));
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void Gateway_IsReachableFromAnywhere(string install)
    {
        var manifests = Kustomize.Render(install);
        var gateway = manifests.JobsWorkloads.Single(w => w.AppName == "gateway");

        Assert.Contains(null, PeersReaching(manifests, gateway.PodLabels, 8080));
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsService_LetsPrometheusScrapeItsMetricsFromMonitoring(string install)
    {
        var manifests = Kustomize.Render(install);

        foreach (var workload in manifests.JobsWorkloads)
        {
            Assert.True(
                PeersReaching(manifests, workload.PodLabels, 8080).Any(peer => peer is null
                    || peer.Obj("namespaceSelector").StringMap("matchLabels").GetValueOrDefault("kubernetes.io/metadata.name") == Monitoring),
                $"{workload}: Prometheus in {Monitoring} cannot reach /metrics on 8080");
        }
    }

    /// <summary>
    /// Every peer the install's policies let reach pods with these labels on this port; null stands for "anyone"
    /// (a rule without <c>from</c>).
    /// </summary>
    static List<JsonObject?> PeersReaching(Manifests manifests, IReadOnlyDictionary<string, string> pod, int port)
    {
        var peers = new List<JsonObject?>();
        foreach (var policy in manifests.OfKind("NetworkPolicy").Where(p => LabelSelector.Matches(p.Obj("spec", "podSelector"), pod)))
        {
            foreach (var rule in policy.Arr("spec", "ingress").OfType<JsonObject>())
            {
                var ports = rule.Arr("ports").ToList();
                if (ports.Count > 0 && !ports.Any(p => p.Str("port") is var value && (value == $"{port}" || value == "http")))
                    continue;
                var from = rule.Arr("from").ToList();
                if (from.Count == 0)
                    peers.Add(null);
                else
                    peers.AddRange(from.Select(f => (JsonObject?)f!));
            }
        }
        return peers;
    }
}
