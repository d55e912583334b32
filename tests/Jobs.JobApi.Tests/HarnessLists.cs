namespace Jobs.JobApi.Tests;

/// <summary>Reading MassTransit test harness message lists (Consumed, Published, Sent) as they are now.</summary>
static class HarnessLists
{
    /// <summary>
    /// Their own waits end for good once the harness has been idle for a moment, which a test of several steps reaches
    /// between them; with this token they answer at once, and the tests wait with deadlines of their own instead.
    /// </summary>
    public static readonly CancellationToken NoWait = new(canceled: true);
}
