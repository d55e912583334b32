namespace Jobs.Bench.LogLatency;

/// <summary>
/// The wall clock as nanoseconds since the Unix epoch: the clock <c>date +%s%N</c> reads (CLOCK_REALTIME), in the
/// 100 ns steps .NET keeps it in. The job, the executor and this benchmark run on one machine, so they share it.
/// </summary>
internal static class WallClock
{
    public static long NowNs() => ToNs(DateTimeOffset.UtcNow);

    public static long ToNs(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static double Ms(long nanoseconds) => nanoseconds / 1_000_000.0;
}
