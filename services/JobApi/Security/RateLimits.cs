using System.Threading.RateLimiting;
using Jobs.ServiceDefaults.Security;

namespace Jobs.JobApi.Security;

/// <summary>
/// <c>RateLimits</c>: token buckets per tenant and per client (subject), both charged for every <c>/api</c> request.
/// <c>RateLimits:Tenants:&lt;tenant&gt;</c> replaces the per-tenant bucket for one tenant. Buckets live in each JobApi
/// instance: with N instances behind the gateway a tenant gets up to N times its rate.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public Bucket PerTenant { get; set; } = new() { TokenLimit = 2000, TokensPerSecond = 1000 };
    public Bucket PerClient { get; set; } = new() { TokenLimit = 1000, TokensPerSecond = 500 };
    public Dictionary<string, Bucket> Tenants { get; set; } = [];

    public sealed class Bucket
    {
        /// <summary>Requests a client may make at once after a quiet spell.</summary>
        public int TokenLimit { get; set; }

        /// <summary>Requests per second in the long run.</summary>
        public int TokensPerSecond { get; set; }

        internal TokenBucketRateLimiterOptions ToLimiter() => RateLimitResponses.TokenBucket(TokenLimit, TokensPerSecond);
    }
}

public static class RateLimits
{
    public static IServiceCollection AddJobsRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        return services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, c => c.Tenant, tenant =>
                    options.Tenants.TryGetValue(tenant, out var own) ? own : options.PerTenant)),
                PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, c => $"{c.Tenant}/{c.Subject}", _ => options.PerClient)));
            limiter.OnRejected = RateLimitResponses.TooManyRequests("this client or its tenant");
        });
    }

    /// <summary>Only authenticated <c>/api</c> requests are counted; the rest (health, metrics, refused credentials) are not.</summary>
    static RateLimitPartition<string> Partition(HttpContext http, Func<Caller, string> key, Func<string, RateLimitOptions.Bucket> bucket)
    {
        if (!http.Request.Path.StartsWithSegments("/api") || Caller.From(http.User) is not { } caller)
            return RateLimitPartition.GetNoLimiter("");
        return RateLimitPartition.GetTokenBucketLimiter(key(caller), _ => bucket(caller.Tenant).ToLimiter());
    }
}
