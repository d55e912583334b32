namespace Jobs.Deploy.Tests;

/// <summary>Voluntary disruptions (node drains, upgrades) never take a whole service down.</summary>
public sealed class DisruptionBudgetTests
{
    [Theory]
    [MemberData(nameof(Kustomize.Installs), MemberType = typeof(Kustomize))]
    public void EveryDeploymentAndJobsStatefulSet_HasADisruptionBudget(string install)
    {
        var manifests = Kustomize.Render(install);
        var budgets = manifests.OfKind("PodDisruptionBudget").ToList();

        var covered = manifests.Workloads.Where(w => w.Kind == "Deployment" || (w.Kind == "StatefulSet" && Manifests.Services.Contains(w.AppName)));

        foreach (var workload in covered)
        {
            var budget = budgets.SingleOrDefault(b =>
                b.Str("metadata", "namespace") == workload.Namespace && LabelSelector.Matches(b.Obj("spec", "selector"), workload.PodLabels));
            Assert.True(budget is not null, $"{workload} has no PodDisruptionBudget (or more than one)");
            Assert.True(
                budget.Str("spec", "minAvailable") is not null || budget.Str("spec", "maxUnavailable") is not null,
                $"{workload}: its PodDisruptionBudget sets neither minAvailable nor maxUnavailable");
        }
    }
}
