using System.Net.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Jobs.Gateway;

/// <summary>
/// A request that could not even connect to its JobApi replica (the replica was killed, or is restarting) goes to the
/// next available one instead of answering 502. The health checks take a dead replica out within seconds (two failed
/// probes 5 s apart, or a run of failed requests); until then every request that picked it would fail, although
/// another replica was there to answer. Only connection failures are retried: such a request never reached the
/// replica, so sending it elsewhere cannot run it twice, whatever its method. A request that reached a replica and
/// then lost it (reset mid-answer) is answered 502 as before: a submit may have been stored.
/// </summary>
public static class ConnectFailover
{
    public static IReverseProxyApplicationBuilder UseConnectFailover(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.Use(async (context, next) =>
        {
            var proxyFeature = context.GetReverseProxyFeature();
            // Load balancing narrows the feature's list to the one destination it picked, so keep the whole list here.
            IReadOnlyList<DestinationState> candidates = proxyFeature.AvailableDestinations;
            while (true)
            {
                await next();
                var error = context.GetForwarderErrorFeature();
                if (error is null || context.Response.HasStarted || !CouldNotConnect(error.Exception))
                    return;
                var failed = proxyFeature.ProxiedDestination;
                candidates = candidates.Where(d => d != failed).ToList();
                if (failed is null || candidates.Count == 0)
                    return;
                GatewayTelemetry.RecordFailover(failed.DestinationId);
                proxyFeature.AvailableDestinations = candidates;
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.StatusCode = StatusCodes.Status200OK;
            }
        });
        return proxy;
    }

    static bool CouldNotConnect(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
                return true;
        }
        return false;
    }
}
