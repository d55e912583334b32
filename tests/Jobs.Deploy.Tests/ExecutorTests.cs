using System.Globalization;
using System.Text.Json.Nodes;

namespace Jobs.Deploy.Tests;

/// <summary>The executors: one per node (DaemonSet) with what cgroups and user switching need, and KEDA-scaled pools.</summary>
public sealed class ExecutorTests
{
    public static TheoryData<string> NodeExecutorInstalls => Kustomize.Installs;

    [Theory]
    [MemberData(nameof(NodeExecutorInstalls))]
    public void NodeExecutor_IsADaemonSetNamedAfterItsNode(string install)
    {
        var (manifests, executor, container) = NodeExecutor(install);
        var environment = manifests.Environment(container);

        Assert.Equal("field spec.nodeName", environment["Executor__Id"].Source);
        Assert.Equal("nobody", environment["Executor__RunAsUser"].Value);
        // A surge pod would share the node's Executor__Id, and so its queue.
        Assert.Equal("0", executor.Resource.Str("spec", "updateStrategy", "rollingUpdate", "maxSurge"));
    }

    [Theory]
    [MemberData(nameof(NodeExecutorInstalls))]
    public void NodeExecutor_GetsTimeToDrainBeforeTheKubeletKillsIt(string install)
    {
        var (manifests, executor, container) = NodeExecutor(install);

        var drain = TimeSpan.Parse(manifests.Environment(container)["Executor__DrainTimeout"].Value!, CultureInfo.InvariantCulture);
        var grace = TimeSpan.FromSeconds(long.Parse(executor.PodSpec.Str("terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture));

        // After the drain timeout the executor stops what still runs: SIGTERM, a 10 s grace, SIGKILL.
        Assert.True(grace > drain + TimeSpan.FromSeconds(10), $"terminationGracePeriodSeconds {grace} is not above the drain timeout {drain} + 10 s");
    }

    [Theory]
    [MemberData(nameof(NodeExecutorInstalls))]
    public void NodeExecutor_HasTheNodesCgroupsAndOnlyTheCapabilitiesItUses(string install)
    {
        var (_, executor, container) = NodeExecutor(install);

        var cgroup = container.Arr("volumeMounts").Single(m => m.Str("mountPath") == "/sys/fs/cgroup").Str("name");
        Assert.Equal("/sys/fs/cgroup", executor.PodSpec.Arr("volumes").Single(v => v.Str("name") == cgroup).Str("hostPath", "path"));
        Assert.NotEqual("true", container.Str("securityContext", "privileged"));
        Assert.Equal(["ALL"], container.Arr("securityContext", "capabilities", "drop").Select(c => c!.ToString()));
        var added = container.Arr("securityContext", "capabilities", "add").Select(c => c!.ToString()).ToHashSet();
        Assert.Superset(new HashSet<string> { "SYS_ADMIN", "SETUID", "SETGID", "KILL" }, added);
        Assert.Subset(new HashSet<string> { "SYS_ADMIN", "SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER" }, added);
        // Jobs run in this pod: no API token for them to read.
        Assert.Equal("false", executor.PodSpec.Str("automountServiceAccountToken"));
    }

    [Fact]
    public void PoolExecutors_AreScaledByKedaOnTheirPoolsBacklogOnePerSlots()
    {
        var manifests = Kustomize.Render(Kustomize.PoolExecutors);
        var pool = manifests.JobsWorkloads.Single(w => w.AppName == "executor" && w.Kind == "StatefulSet");
        var environment = manifests.Environment(pool.Containers.Single());
        var scaled = manifests.OfKind("ScaledObject").Single();
        var trigger = scaled.Arr("spec", "triggers").Single()!;

        Assert.Equal("field metadata.name", environment["Executor__Id"].Source);
        Assert.Equal((pool.Kind, pool.Name), (scaled.Str("spec", "scaleTargetRef", "kind"), scaled.Str("spec", "scaleTargetRef", "name")));
        Assert.Equal("postgresql", trigger.Str("type"));
        Assert.Contains($"pool = '{environment["Executor__Pool"].Value}'", trigger.Str("metadata", "query"), StringComparison.Ordinal);
        Assert.Equal(environment["Executor__Slots"].Value, trigger.Str("metadata", "targetQueryValue"));
        Assert.NotNull(manifests.Find("TriggerAuthentication", trigger.Str("authenticationRef", "name")!));
        Assert.True(long.Parse(pool.PodSpec.Str("terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture)
            > TimeSpan.Parse(environment["Executor__DrainTimeout"].Value!, CultureInfo.InvariantCulture).TotalSeconds + 10);
    }

    static (Manifests Manifests, Workload Executor, JsonObject Container) NodeExecutor(string install)
    {
        var manifests = Kustomize.Render(install);
        var executor = manifests.JobsWorkloads.Single(w => w.AppName == "executor" && w.Kind == "DaemonSet");
        return (manifests, executor, executor.Containers.Single());
    }
}
