using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jobs.Scheduler;

/// <summary>Placements made and executors declared lost; spans for placements.</summary>
public static class SchedulerTelemetry
{
    public const string Name = "Jobs.Scheduler";

    public static readonly ActivitySource Source = new(Name);

    static readonly Meter Meter = new(Name);

    static readonly Counter<long> Placed = Meter.CreateCounter<long>("jobs.placed", "{attempt}", "Attempts placed on an executor");
    static readonly Counter<long> Lost = Meter.CreateCounter<long>("executors.lost", "{executor}", "Executors declared lost while they held attempts");
    static readonly Counter<long> LostAttempts = Meter.CreateCounter<long>("attempts.lost", "{attempt}", "Attempts given up with a lost executor");

    public static void RecordPlaced(int attempts) => Placed.Add(attempts);

    public static void RecordLost(int executors, int attempts)
    {
        Lost.Add(executors);
        LostAttempts.Add(attempts);
    }
}
