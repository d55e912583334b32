using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Jobs.Deploy.Tests;

/// <summary>What every Jobs container gets, in every install: probes, resources, lockdown, its image, its settings.</summary>
public sealed class WorkloadTests
{
    /// <summary>Why a workload may run as root: the annotation on its pod template.</summary>
    public const string RootReason = "jobs/runs-as-root";

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryDeploymentAndDaemonSet_RunsAJobsService(string install)
    {
        var manifests = Kustomize.Render(install);

        var others = manifests.Workloads.Where(w => w.Kind != "StatefulSet" && !Manifests.Services.Contains(w.AppName));

        Assert.Empty(others);
        Assert.Equal(Manifests.Services.Order(), manifests.JobsWorkloads.Select(w => w.AppName).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_ProbesAliveForLivenessAndHealthForReadiness(string install)
    {
        foreach (var (workload, container) in JobsContainers(install))
        {
            var where = $"{workload} container {container.Str("name")}";
            Assert.True(container.Str("livenessProbe", "httpGet", "path") == "/alive", $"{where}: livenessProbe is not GET /alive");
            Assert.True(container.Str("readinessProbe", "httpGet", "path") == "/health", $"{where}: readinessProbe is not GET /health");
            // Migrations run before the listener starts: without a startup probe a slow one would trip liveness.
            Assert.True(container.Str("startupProbe", "httpGet", "path") == "/alive", $"{where}: startupProbe is not GET /alive");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_HasResourceRequestsAndLimits(string install)
    {
        foreach (var (workload, container) in JobsContainers(install))
        {
            foreach (var bound in new[] { "requests", "limits" })
            {
                foreach (var resource in new[] { "cpu", "memory" })
                    Assert.True(container.Str("resources", bound, resource) is { Length: > 0 }, $"{workload}: no {resource} {bound}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_RunsAsNonRootUnlessItIsTheExecutorAndSaysWhy(string install)
    {
        foreach (var (workload, container) in JobsContainers(install))
        {
            if (RunsAsNonRoot(workload, container))
                continue;
            Assert.True(workload.AppName == "executor", $"{workload} may run as root: only the executor may");
            Assert.True(
                workload.PodAnnotations.GetValueOrDefault(RootReason) is { Length: > 20 },
                $"{workload} runs as root without saying why in the pod annotation {RootReason}");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_IsLockedDown(string install)
    {
        foreach (var (workload, container) in JobsContainers(install))
        {
            var security = container.Obj("securityContext");
            Assert.True(security.Str("readOnlyRootFilesystem") == "true", $"{workload}: root filesystem is writable");
            Assert.True(security.Arr("capabilities", "drop").Any(c => c?.ToString() == "ALL"), $"{workload}: does not drop ALL capabilities");
            var seccomp = security.Str("seccompProfile", "type") ?? workload.PodSpec.Str("securityContext", "seccompProfile", "type");
            Assert.True(seccomp == "RuntimeDefault", $"{workload}: seccomp profile is {seccomp ?? "unset"}");
            // The executor too: its jobs must not gain privileges through setuid programs.
            Assert.True(security.Str("allowPrivilegeEscalation") == "false", $"{workload}: allows privilege escalation");
            Assert.True(MountsEmptyDir(workload, container, "/tmp"), $"{workload}: /tmp is not an emptyDir");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_RunsItsOwnImageFromGhcrWithATag(string install)
    {
        foreach (var (workload, container) in JobsContainers(install))
        {
            var image = container.Str("image") ?? "";
            var expected = new Regex($"^ghcr\\.io/jobs/{workload.AppName}:[A-Za-z0-9_][A-Za-z0-9_.-]*$");
            Assert.True(expected.IsMatch(image), $"{workload}: image {image} is not ghcr.io/jobs/{workload.AppName}:<tag>");
            Assert.False(image.EndsWith(":latest", StringComparison.Ordinal), $"{workload}: image {image} is not pinned");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_SetsOnlySettingsTheServicesRead(string install)
    {
        var manifests = Kustomize.Render(install);
        foreach (var (workload, container) in JobsContainers(install))
        {
            foreach (var (name, value) in manifests.Environment(container))
            {
                var why = ServiceSettings.WhyUnknown(name);
                Assert.True(why is null, $"{workload}: {name} (from {value.Source}) is read by no service: {why}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryJobsContainer_ListensOn8080AndExportsToTheCollector(string install)
    {
        var manifests = Kustomize.Render(install);
        foreach (var (workload, container) in JobsContainers(install))
        {
            var environment = manifests.Environment(container);
            // The images' appsettings.json binds a loopback port unless `Urls` overrides it (ASPNETCORE_URLS does not).
            Assert.Equal("http://+:8080", environment.GetValueOrDefault("Urls")?.Value);
            Assert.Contains(container.Arr("ports"), p => p.Str("containerPort") == "8080" && p.Str("name") == "http");
            Assert.Equal("http://otel-collector.monitoring:4317", environment.GetValueOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT")?.Value);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void ServicesWithADatabaseOrBroker_GetTheirConnectionFromSecrets(string install)
    {
        var manifests = Kustomize.Render(install);
        foreach (var (workload, container) in JobsContainers(install))
        {
            var environment = manifests.Environment(container);
            var needs = workload.AppName switch
            {
                "gateway" => [],
                "executor" => new[] { "RabbitMq__Username", "RabbitMq__Password" },
                _ => ["ConnectionStrings__Jobs", "RabbitMq__Username", "RabbitMq__Password"],
            };
            foreach (var name in needs)
            {
                Assert.True(environment.TryGetValue(name, out var value), $"{workload}: {name} is not set");
                Assert.StartsWith("Secret ", value.Source, StringComparison.Ordinal);
            }
            // The executor never touches the database, and its jobs run in its pod: keep the credentials away.
            if (workload.AppName is "executor" or "gateway")
                Assert.False(environment.ContainsKey("ConnectionStrings__Jobs"), $"{workload} gets the database credentials");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void ApiGatewayAndLogSink_RunTwoReplicasOrMore_AndTheSchedulerTwo(string install)
    {
        var manifests = Kustomize.Render(install);

        foreach (var name in new[] { "gateway", "jobapi", "logsink" })
            Assert.True(manifests.JobsWorkloads.Single(w => w.Kind == "Deployment" && w.AppName == name).Replicas >= 2, $"{name} has fewer than 2 replicas");
        Assert.Equal(2, manifests.JobsWorkloads.Single(w => w.AppName == "scheduler").Replicas);
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void ApiAndGateway_AutoscaleOnCpuFromTwoReplicas(string install)
    {
        var manifests = Kustomize.Render(install);

        foreach (var name in new[] { "gateway", "jobapi" })
        {
            var hpa = manifests.OfKind("HorizontalPodAutoscaler").Single(h => h.Str("spec", "scaleTargetRef", "name") == name);
            Assert.Equal("autoscaling/v2", hpa.Str("apiVersion"));
            Assert.Equal("Deployment", hpa.Str("spec", "scaleTargetRef", "kind"));
            Assert.True(hpa["spec"]!["minReplicas"]!.GetValue<long>() >= 2);
            Assert.Contains(hpa.Arr("spec", "metrics"), m => m.Str("resource", "name") == "cpu");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EverySecretAContainerReads_IsRenderedOrMadeByTheBrokerOperator(string install)
    {
        var manifests = Kustomize.Render(install);
        var operatorMade = manifests.OfKind("RabbitmqCluster").Select(c => $"{c.Str("metadata", "name")}-default-user").ToHashSet();

        foreach (var workload in manifests.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                foreach (var secret in container.Arr("env").Select(e => e.Str("valueFrom", "secretKeyRef", "name")).OfType<string>())
                {
                    Assert.True(
                        manifests.Find("Secret", secret) is not null || operatorMade.Contains(secret),
                        $"{workload} reads Secret {secret}, which neither the render nor an operator makes");
                }
            }
        }
    }

    static IEnumerable<(Workload Workload, JsonObject Container)> JobsContainers(string install)
    {
        var workloads = Kustomize.Render(install).JobsWorkloads.ToList();
        Assert.NotEmpty(workloads);
        return workloads.SelectMany(w => w.Containers.Select(c => (w, c)));
    }

    static bool RunsAsNonRoot(Workload workload, JsonObject container) =>
        (container.Str("securityContext", "runAsNonRoot") ?? workload.PodSpec.Str("securityContext", "runAsNonRoot")) == "true"
        && (container.Str("securityContext", "runAsUser") ?? workload.PodSpec.Str("securityContext", "runAsUser")) != "0";

    static bool MountsEmptyDir(Workload workload, JsonObject container, string path)
    {
        var volume = container.Arr("volumeMounts").FirstOrDefault(m => m.Str("mountPath") == path)?.Str("name");
        return workload.PodSpec.Arr("volumes").Any(v => v.Str("name") == volume && v?["emptyDir"] is not null);
    }
}
