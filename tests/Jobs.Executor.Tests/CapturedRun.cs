using System.Text;
using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

/// <summary>Runs a spec through the real runner and keeps its whole output as text.</summary>
public static class CapturedRun
{
    public static async Task<(AttemptResult Result, string Output)> Run(
        JobSpec spec, string directory, AttemptCgroup? cgroup = null, ExecutionPolicy? policy = null)
    {
        var output = new StringBuilder();
        var result = await ProcessRunner.Run(
            spec,
            directory,
            new AttemptControl(),
            _ => Task.CompletedTask,
            (_, piece) =>
            {
                lock (output)
                    output.Append(Encoding.UTF8.GetString(piece.Data));
                return Task.CompletedTask;
            },
            CancellationToken.None,
            cgroup,
            policy).WaitAsync(TimeSpan.FromSeconds(60));
        return (result, output.ToString());
    }
}
