namespace Jobs.Deploy.Tests;

/// <summary>What each install brings besides the services: operator resources by default, StatefulSets when small.</summary>
public sealed class InstallTests
{
    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryNamespacedResource_IsInTheJobsNamespace(string install)
    {
        var manifests = Kustomize.Render(install);

        Assert.Equal("jobs", manifests.OfKind("Namespace").Single().Str("metadata", "name"));
        Assert.All(manifests.Resources.Where(r => r.Str("kind") != "Namespace"), r => Assert.Equal("jobs", r.Str("metadata", "namespace")));
    }

    [Theory]
    [InlineData(Kustomize.Default)]
    [InlineData(Kustomize.PoolExecutors)]
    public void OperatorInstall_RunsThreeNodeRabbitMqAndPostgreSqlClusters(string install)
    {
        var manifests = Kustomize.Render(install);

        var rabbitmq = manifests.OfKind("RabbitmqCluster").Single();
        Assert.Equal("rabbitmq.com/v1beta1", rabbitmq.Str("apiVersion"));
        Assert.Equal("3", rabbitmq.Str("spec", "replicas"));
        Assert.Contains("consumer_timeout", rabbitmq.Str("spec", "rabbitmq", "additionalConfig"), StringComparison.Ordinal);
        var postgres = manifests.OfKind("Cluster").Single();
        Assert.Equal("postgresql.cnpg.io/v1", postgres.Str("apiVersion"));
        Assert.Equal("3", postgres.Str("spec", "instances"));
        Assert.NotNull(manifests.Find("Secret", postgres.Str("spec", "bootstrap", "initdb", "secret", "name")!));
        Assert.DoesNotContain(manifests.Workloads, w => w.Kind == "StatefulSet" && !Manifests.Services.Contains(w.AppName));
    }

    [Fact]
    public void SmallInstall_RunsPostgreSqlAndRabbitMqAsStatefulSetsWithVolumes()
    {
        var manifests = Kustomize.Render(Kustomize.Small);

        Assert.Empty(manifests.OfKind("RabbitmqCluster"));
        Assert.Empty(manifests.OfKind("Cluster"));
        foreach (var image in new[] { "postgres:15", "rabbitmq:3.13-management" })
        {
            var set = manifests.Workloads.Single(w => w.Kind == "StatefulSet" && w.Containers.Any(c => c.Str("image") == image));
            Assert.NotEmpty(set.Resource.Arr("spec", "volumeClaimTemplates"));
        }
        // The same Service names as the operators make, so the services' configuration is the same in both installs.
        Assert.NotNull(manifests.Find("Service", "jobs-db-rw"));
        Assert.NotNull(manifests.Find("Service", "jobs-rabbitmq"));
        Assert.NotNull(manifests.Find("Secret", "jobs-rabbitmq-default-user"));
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void OnlyTheGatewayIsPublic_AndTheBackgroundServicesExposeOnlyMetrics(string install)
    {
        var manifests = Kustomize.Render(install);

        Assert.Equal("LoadBalancer", manifests.Find("Service", "gateway")!.Str("spec", "type"));
        Assert.Equal("ClusterIP", manifests.Find("Service", "jobapi")!.Str("spec", "type"));
        Assert.All(
            manifests.OfKind("Service").Where(s => s.Str("metadata", "name") is not "gateway"),
            s => Assert.NotEqual("LoadBalancer", s.Str("spec", "type")));
        foreach (var name in new[] { "scheduler", "logsink", "executor" })
        {
            var service = manifests.OfKind("Service").Single(s => s.Str("spec", "selector", "app.kubernetes.io/name") == name);
            Assert.Equal(["metrics"], service.Arr("spec", "ports").Select(p => p.Str("name")));
        }
    }
}
