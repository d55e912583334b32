using Jobs.Contracts;
using MassTransit;

namespace Jobs.JobApi.Api;

/// <summary>
/// Starts the bus's response endpoint before JobApi takes requests. A request client waits for that endpoint
/// synchronously (MassTransit's <c>ConnectRequestPipe</c>); left to the first requests, a burst of them blocked as many
/// thread-pool threads as it had requests, which starved the endpoint's own start, and the burst hung for minutes.
/// Runs after MassTransit's hosted service, which waits for the bus to start (<see cref="MassTransitHostOptions.WaitUntilStarted"/>).
/// </summary>
public sealed class ResponseEndpointWarmUp(IBus bus) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        // Connecting a response handler waits until the response endpoint has started; nothing is ever sent to it.
        var handle = bus.ConnectRequestPipe(NewId.NextGuid(), Pipe.Empty<ConsumeContext<JobAccepted>>());
        handle.Disconnect();
    }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
