using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>What the gateway adds in front of JobApi: its documents, rate limits, refusals of bad credentials.</summary>
[Collection(SystemCollection.Name)]
public sealed class GatewayTests(SystemFixture fixture)
{
    readonly JobsSystem system = fixture.System;

    [Fact]
    public async Task OpenApiDocument_IsPublic_AndDescribesTheApiAndItsCredentials()
    {
        using var anonymous = system.CreateClient((string?)null);

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Contains("/api/jobs", paths);
        Assert.Contains("/api/jobs/{id}/cancel", paths);
        Assert.Contains("/api/keys", paths);
        Assert.Contains("/api/audit", paths);
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
    }

    [Fact]
    public async Task InteractiveApiPage_IsServedAtDocs()
    {
        using var anonymous = system.CreateClient((string?)null);

        using var page = await anonymous.GetAsync("/docs/index.html");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("root")]
    [InlineData("")]
    public async Task TokenWithAnUnknownRole_Is401(string role)
    {
        using var http = system.CreateClient(system.Token("acme", role, "mallory"));

        using var response = await http.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TokenWithABadTenant_Is401()
    {
        using var http = system.CreateClient(system.Token("Not A Tenant", "admin", "mallory"));

        using var response = await http.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task MalformedApiKey_Is401AtTheGateway()
    {
        using var http = system.CreateClient((string?)null);
        http.DefaultRequestHeaders.Add("X-Api-Key", "let-me-in");

        using var response = await http.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("jobs_<id>_<secret>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredToken_Is401SayingSo_WithAChallenge()
    {
        using var http = system.CreateClient(system.Token("acme", "admin", "ada", TimeSpan.FromMinutes(1), DateTime.UtcNow.AddMinutes(-10)));

        using var response = await http.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RateLimit_Answers429WithRetryAfter_AndRecovers()
    {
        // Tenant "limited": a bucket of 5 requests, 2 more each second.
        using var http = system.CreateClient(system.Token("limited", "viewer", "vic"));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await http.GetAsync("/api/jobs?limit=1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                refused = response;
            else
                response.Dispose();
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var wait = refused.Headers.RetryAfter?.Delta;
            Assert.NotNull(wait);
            Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 5, string.Join(", ", statuses));

            await Task.Delay(wait.Value);
        }
        using var again = await http.GetAsync("/api/jobs?limit=1");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // Another tenant was never limited by it.
        using var other = system.CreateClient(system.Token("acme", "viewer", "vera"));
        using var unaffected = await other.GetAsync("/api/jobs?limit=1");
        Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
    }

    [Fact]
    public async Task NonAsciiHeader_IsForwardedToJobApi_NotAnswered502()
    {
        // A client that sends header values as UTF-8, as browsers and curl do; HttpClient refuses to by default.
        using var http = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = system.Gateway.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { command = "/bin/true" }) };
        request.Headers.Authorization = new("Bearer", system.Token(JobsSystem.Tenant, "admin", "test-admin"));
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "\u00e9t\u00e9");

        using var response = await http.SendAsync(request);

        // JobApi's own answer, as straight to it: the key is refused by name.
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), body);
    }
}
