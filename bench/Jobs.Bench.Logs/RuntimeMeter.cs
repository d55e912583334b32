namespace Jobs.Bench.Logs;

/// <summary>
/// What the bench process's own runtime did during one run: garbage collections, their pauses, allocations and JIT
/// work; it tells the publisher's own overhead in A apart from the machine's.
/// </summary>
internal sealed record RuntimeUse(int Gen0, int Gen1, int Gen2, double GcPauseMs, double AllocatedMiB, long MethodsJitted, double JitMs)
{
    internal sealed record Snapshot(int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long Allocated, long Jitted, TimeSpan JitTime);

    public static Snapshot Take() => new(
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration(),
        GC.GetTotalAllocatedBytes(precise: false),
        System.Runtime.JitInfo.GetCompiledMethodCount(),
        System.Runtime.JitInfo.GetCompilationTime());

    public static RuntimeUse Between(Snapshot before, Snapshot after) => new(
        after.Gen0 - before.Gen0,
        after.Gen1 - before.Gen1,
        after.Gen2 - before.Gen2,
        (after.GcPause - before.GcPause).TotalMilliseconds,
        (after.Allocated - before.Allocated) / (1024.0 * 1024.0),
        after.Jitted - before.Jitted,
        (after.JitTime - before.JitTime).TotalMilliseconds);
}
