using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Jobs.Deploy.Tests;

/// <summary>Renders a kustomization with <c>kubectl kustomize</c> (offline), once per directory per test run.</summary>
public static class Kustomize
{
    /// <summary>The installs an operator can apply: the default (operators) and the overlays.</summary>
    public const string Default = "deploy/k8s";
    public const string Small = "deploy/k8s/overlays/small";
    public const string PoolExecutors = "deploy/k8s/overlays/pool-executors";

    public static TheoryData<string> Installs => new(Default, Small, PoolExecutors);

    static readonly ConcurrentDictionary<string, Lazy<Manifests>> Rendered = new();

    public static Manifests Render(string directory) =>
        Rendered.GetOrAdd(directory, d => new Lazy<Manifests>(() => Manifests.Parse(Run(d)))).Value;

    static string Run(string directory)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            ArgumentList = { "kustomize", directory },
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "kubectl is not on PATH. The deploy tests render deploy/k8s with `kubectl kustomize` (kubectl 1.32 or " +
                "later, which has kustomize built in and needs no cluster): install kubectl and run them again.", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize {directory} did not finish within a minute.");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {errors.Result}");
            return output.Result;
        }
    }
}
