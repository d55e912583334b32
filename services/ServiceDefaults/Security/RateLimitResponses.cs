using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Jobs.ServiceDefaults.Security;

/// <summary>What the gateway's and JobApi's rate limits share: the bucket's shape and the 429 they answer.</summary>
public static class RateLimitResponses
{
    /// <summary>A bucket of <paramref name="tokenLimit"/> requests, refilled at <paramref name="tokensPerSecond"/> in tenths of a second; no queueing.</summary>
    public static TokenBucketRateLimiterOptions TokenBucket(int tokenLimit, int tokensPerSecond) => new()
    {
        TokenLimit = tokenLimit,
        TokensPerPeriod = Math.Max(1, tokensPerSecond / 10),
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>A 429 problem+json with <c>Retry-After</c> in whole seconds (at least 1), saying whose rate was exceeded.</summary>
    public static Func<OnRejectedContext, CancellationToken, ValueTask> TooManyRequests(string whose) => async (context, _) =>
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: $"Over the request rate of {whose}; retry after {seconds} s.").ExecuteAsync(context.HttpContext);
    };
}
