using System.Diagnostics;

namespace Jobs.Executor;

/// <summary>The executor's spans: one per attempt's process run, tagged with the job and attempt.</summary>
public static class ExecutorTelemetry
{
    public const string Name = "Jobs.Executor";

    public static readonly ActivitySource Source = new(Name);
}
