using System.Security.Claims;
using System.Threading.RateLimiting;
using Jobs.ServiceDefaults.Security;

namespace Jobs.Gateway;

/// <summary>
/// <c>Gateway:RateLimit</c>: the <c>per-caller</c> policy routes name in their <c>RateLimiterPolicy</c>. A token bucket
/// per caller (token subject, API key, or client address when there is neither), so one flooding client is turned
/// away here before it costs JobApi anything. JobApi keeps the finer per-tenant and per-client limits.
/// </summary>
public sealed class EdgeRateLimitOptions
{
    public const string Section = "Gateway:RateLimit";
    public const string Policy = "per-caller";

    public int TokenLimit { get; set; } = 4000;
    public int TokensPerSecond { get; set; } = 2000;
}

public static class EdgeRateLimit
{
    public static IServiceCollection AddEdgeRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(EdgeRateLimitOptions.Section).Get<EdgeRateLimitOptions>() ?? new EdgeRateLimitOptions();
        return services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(EdgeRateLimitOptions.Policy, http => RateLimitPartition.GetTokenBucketLimiter(CallerKey(http), _ =>
                RateLimitResponses.TokenBucket(options.TokenLimit, options.TokensPerSecond)));
            limiter.OnRejected = RateLimitResponses.TooManyRequests("this caller at the gateway");
        });
    }

    static string CallerKey(HttpContext http) =>
        http.User.FindFirstValue(JobsClaims.Subject) is { } subject
            ? $"{http.User.FindFirstValue(JobsClaims.Tenant)}/{subject}"
            : $"address/{http.Connection.RemoteIpAddress}";
}
