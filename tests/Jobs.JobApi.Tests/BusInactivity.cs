using MassTransit;
using MassTransit.Testing.Implementations;

namespace Jobs.JobApi.Tests;

/// <summary>
/// When a bus has gone quiet, by the test harness's own measure (MassTransit's inactivity observers: no message received,
/// published or sent for <c>quiet</c>, none being consumed), as often as a test asks. <c>ITestHarness.InactivityTask</c>
/// completes for good at the harness's first idle moment, so a later wait on it would end at once, proving nothing.
/// </summary>
sealed class BusInactivity : IDisposable
{
    readonly TimeSpan quiet;
    readonly InactivityTestObserver[] sources;
    readonly ConnectHandle[] connections;

    public BusInactivity(IBus bus, TimeSpan quiet)
    {
        this.quiet = quiet;
        // The first argument bounds waits on the observers' message lists, which nothing here reads.
        var consumed = new BusTestConsumeObserver(quiet, CancellationToken.None);
        var received = new BusTestReceiveObserver(quiet);
        var published = new BusTestPublishObserver(quiet, quiet);
        var sent = new BusTestSendObserver(quiet, quiet);
        sources = [consumed, received, published, sent];
        connections =
        [
            bus.ConnectConsumeObserver(consumed),
            bus.ConnectReceiveObserver(received),
            bus.ConnectPublishObserver(published),
            bus.ConnectSendObserver(sent),
        ];
    }

    /// <summary>Returns once the bus has been quiet for the quiet time, checked from now on; throws after <paramref name="deadline"/>.</summary>
    public async Task Wait(TimeSpan deadline)
    {
        using var stop = new CancellationTokenSource();
        var observer = new AsyncInactivityObserver(quiet, stop.Token);
        var handles = sources.Select(source => source.ConnectInactivityObserver(observer)).ToList();
        try
        {
            await observer.InactivityTask.WaitAsync(deadline);
            // The task also ends, quietly, when its token is cancelled; only the inactivity token says the bus went quiet.
            if (!observer.InactivityToken.IsCancellationRequested)
                throw new InvalidOperationException("The inactivity wait ended without the bus going quiet.");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The bus did not go quiet ({quiet.TotalMilliseconds:0} ms without a message) within {deadline.TotalSeconds:0} s.");
        }
        finally
        {
            stop.Cancel();
            handles.ForEach(handle => handle.Disconnect());
        }
    }

    public void Dispose()
    {
        foreach (var connection in connections)
            connection.Disconnect();
        foreach (var source in sources)
            source.Dispose();
    }
}
