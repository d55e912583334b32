using Jobs.Gateway;
using Jobs.ServiceDefaults;
using Jobs.ServiceDefaults.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// Tokens are checked here and again by JobApi; API keys only for their form here (JobApi holds the key table).
builder.AddJobsAuthentication<ApiKeyPresenceHandler>();
builder.Services.AddAuthorizationBuilder().AddPolicy(GatewayPolicies.Caller, policy => policy.RequireAuthenticatedUser());
builder.Services.AddEdgeRateLimit(builder.Configuration);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();

app.UseStatusCodePages();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.MapDefaultEndpoints();
// The interactive API page; the OpenAPI document it reads is JobApi's, through the "openapi" route.
app.UseSwaggerUI(options =>
{
    options.RoutePrefix = "docs";
    options.DocumentTitle = "Jobs API";
    options.SwaggerEndpoint("/openapi/v1.json", "Jobs v1");
});
// The standard proxy pipeline, with a request that cannot connect to one JobApi replica sent to the next (ConnectFailover).
app.MapReverseProxy(proxy =>
{
    proxy.UseConnectFailover();
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
});

app.Run();

public partial class Program;

namespace Jobs.Gateway
{
    /// <summary>Authorization policies that routes name in their <c>AuthorizationPolicy</c>.</summary>
    public static class GatewayPolicies
    {
        /// <summary>A valid token or a well-formed API key.</summary>
        public const string Caller = "caller";
    }
}
