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

    static long slots;
    static long slotsUsed;

    static readonly ObservableGauge<long> Slots = Meter.CreateObservableGauge(
        "executors.slots", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref slotsUsed), new KeyValuePair<string, object?>("state", "used")),
            new Measurement<long>(Math.Max(0, Interlocked.Read(ref slots) - Interlocked.Read(ref slotsUsed)), new KeyValuePair<string, object?>("state", "free")),
        },
        "{slot}", "Slots of live executors, used and free, as of the last placement round");

    public static void RecordPlaced(int attempts) => Placed.Add(attempts);

    public static void RecordCapacity(long total, long used)
    {
        Interlocked.Exchange(ref slots, total);
        Interlocked.Exchange(ref slotsUsed, used);
    }

    public static void RecordLost(int executors, int attempts)
    {
        Lost.Add(executors);
        LostAttempts.Add(attempts);
    }
}
