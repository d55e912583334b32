using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;
using Jobs.Token;
using Npgsql;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// Every endpoint × every kind of caller, through the gateway and straight to JobApi (bypassing the gateway gets
/// nothing more): the exact status, and where the answer is a refusal, that nothing was created or changed. The
/// resources are tenant <c>acme</c>'s: jobs of operator <c>otto</c>, a key of admin <c>ada</c>, executor <c>test-1</c>.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AuthorizationMatrixTests(SystemFixture fixture)
{
    const string Tenant = "acme";
    static readonly SemaphoreSlim SetupLock = new(1, 1);
    static World? world;

    readonly JobsSystem system = fixture.System;

    public static readonly string[] Callers = ["anonymous", "expired", "wrong-signature", "viewer", "operator", "admin", "other-tenant-admin", "revoked-key"];

    /// <summary>The expected status per endpoint for: viewer, operator, admin, other tenant's admin (the first four callers and a revoked key are always 401).</summary>
    static readonly Dictionary<string, int[]> Expected = new()
    {
        ["submit"] = [403, 201, 201, 201],
        ["list"] = [200, 200, 200, 200],
        ["get"] = [200, 200, 200, 404],
        ["cancel"] = [403, 202, 202, 404],
        ["retry"] = [403, 201, 201, 404],
        ["logs"] = [200, 200, 200, 404],
        ["logs-raw"] = [200, 200, 200, 404],
        ["logs-stream"] = [200, 200, 200, 404],
        ["executors"] = [403, 403, 200, 200],
        ["drain"] = [403, 403, 200, 200],
        ["resume"] = [403, 403, 200, 200],
        ["keys-create"] = [403, 403, 201, 201],
        ["keys-list"] = [403, 403, 200, 200],
        ["keys-revoke"] = [403, 403, 204, 404],
        ["audit"] = [403, 403, 200, 200],
    };

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var endpoint in Expected.Keys)
        {
            foreach (var caller in Callers)
            {
                data.Add(endpoint, caller, true);
                data.Add(endpoint, caller, false);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Endpoint_AnswersEachCallerExactly(string endpoint, string caller, bool viaGateway)
    {
        var w = await Setup();
        var expected = Array.IndexOf(Callers, caller) switch
        {
            var i and >= 3 and <= 6 => Expected[endpoint][i - 3],
            _ => 401,
        };
        using var http = Client(w, caller, viaGateway);
        var target = await Target(w, endpoint);
        var before = await Snapshot(target);

        try
        {
            var (status, body) = await Call(http, endpoint, target);

            Assert.True(expected == status, $"{endpoint} as {caller} {(viaGateway ? "via the gateway" : "direct")}: expected {expected}, got {status}: {body}");
            if (status >= 400)
                Assert.Equal(before, await Snapshot(target));
        }
        finally
        {
            // Leave the shared system as it was: no sleeping job holding a slot, no drained executor.
            if (endpoint == "cancel")
                (await w.Admin.PostAsync($"/api/jobs/{target}/cancel", null)).Dispose();
            if (endpoint == "drain")
                (await w.Admin.PostAsync("/api/executors/test-1/resume", null)).Dispose();
        }
    }

    [Fact]
    public async Task OtherTenantsList_HasNoneOfThisTenantsJobs()
    {
        var w = await Setup();
        using var other = system.CreateClient(system.Token("globex", "admin", "gus"));

        var page = await other.GetFromJsonAsync<JsonElement>("/api/jobs?limit=1000");

        var ids = page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetGuid()).ToHashSet();
        Assert.DoesNotContain(w.OttoEnded, ids);
    }

    [Fact]
    public async Task AnotherOperator_MayReadButNotCancelOrRetryTheJob_AndIsAudited()
    {
        var w = await Setup();
        var running = await w.Otto.Submit(new { command = "/bin/sleep", args = new[] { "600" } });
        using var olga = system.CreateClient(system.Token(Tenant, "operator", "olga"));
        try
        {
            using var read = await olga.GetAsync($"/api/jobs/{running}");
            using var cancel = await olga.PostAsync($"/api/jobs/{running}/cancel", null);
            using var retry = await olga.PostAsync($"/api/jobs/{w.OttoEnded}/retry", null);

            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, retry.StatusCode);
            Assert.Equal(0L, await Scalar<long>($"SELECT count(*) FROM jobapi.jobs WHERE id = '{running}' AND cancel_requested_at IS NOT NULL"));
            Assert.Equal(0L, await Scalar<long>($"SELECT count(*) FROM jobapi.jobs WHERE retry_of = '{w.OttoEnded}' AND owner = 'olga'"));
            var events = (await w.Admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).GetProperty("items").EnumerateArray().ToList();
            Assert.Contains(events, e => Is(e, "olga", "job.cancel", $"job/{running}", "denied"));
            Assert.Contains(events, e => Is(e, "olga", "job.retry", $"job/{w.OttoEnded}", "denied"));
        }
        finally
        {
            (await w.Admin.PostAsync($"/api/jobs/{running}/cancel", null)).Dispose();
        }
    }

    [Fact]
    public async Task RetryOfAJobThatHasNotEnded_Is409()
    {
        var w = await Setup();
        var running = await w.Otto.Submit(new { command = "/bin/sleep", args = new[] { "600" } });
        try
        {
            using var retry = await w.Otto.Http.PostAsync($"/api/jobs/{running}/retry", null);

            Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        }
        finally
        {
            (await w.Admin.PostAsync($"/api/jobs/{running}/cancel", null)).Dispose();
        }
    }

    [Fact]
    public async Task Retry_MakesANewJobOfTheCallerWithTheSameSpec()
    {
        var w = await Setup();

        using var retry = await w.Admin.PostAsync($"/api/jobs/{w.OttoEnded}/retry", null);
        var id = (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("matrix\n", await new JobsClient(w.Admin, system).Output(id));
        var job = await w.Admin.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        Assert.Equal("ada", job.GetProperty("owner").GetString());
        Assert.Equal(w.OttoEnded, job.GetProperty("retryOf").GetGuid());
    }

    [Fact]
    public async Task OperatorApiKey_ActsAsAnOperatorOfItsTenant()
    {
        using var admin = system.CreateClient(system.Token(Tenant, "admin", "ada"));
        var key = await CreateKey(admin, "ci", "operator");
        using var machine = system.CreateClient((string?)null);
        machine.DefaultRequestHeaders.Add("X-Api-Key", key.Secret);

        using var submit = await machine.PostAsJsonAsync("/api/jobs", new { command = "/bin/true" });
        using var keys = await machine.GetAsync("/api/keys");

        Assert.Equal(HttpStatusCode.Created, submit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        var job = await admin.GetFromJsonAsync<JsonElement>(submit.Headers.Location!.OriginalString);
        Assert.Equal(Tenant, await Scalar<string>($"SELECT tenant FROM jobapi.jobs WHERE id = '{job.GetProperty("id").GetGuid()}'"));
        Assert.Equal($"apikey:{key.Id:N}", await Scalar<string>($"SELECT owner FROM jobapi.jobs WHERE id = '{job.GetProperty("id").GetGuid()}'"));
    }

    [Fact]
    public async Task Audit_RecordsWhoDidWhat_AndShowsOnlyTheTenantsEvents()
    {
        var w = await Setup();
        using var admin = system.CreateClient(system.Token(Tenant, "admin", "ada"));
        using var otto = system.CreateClient(system.Token(Tenant, "operator", "otto"));
        using var gus = system.CreateClient(system.Token("globex", "admin", "gus"));
        using var submit = await otto.PostAsJsonAsync("/api/jobs", new { command = "/bin/echo", args = new[] { "audited" } });
        var jobId = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var denied = await otto.PostAsJsonAsync("/api/jobs", new { command = "/bin/rm", args = new[] { "-rf", "/" } });
        using var drain = await admin.PostAsync("/api/executors/test-2/drain", null);
        using var resume = await admin.PostAsync("/api/executors/test-2/resume", null);

        var events = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).GetProperty("items").EnumerateArray().ToList();
        var others = (await gus.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).GetProperty("items").EnumerateArray().ToList();

        Assert.Contains(events, e => Is(e, "otto", "job.submit", $"job/{jobId}", "ok"));
        Assert.Contains(events, e => Is(e, "otto", "job.submit", "/bin/rm", "denied") && e.GetProperty("detail").GetString()!.Contains("Policies:Tenants:acme:Commands", StringComparison.Ordinal));
        Assert.Contains(events, e => Is(e, "ada", "executor.drain", "executor/test-2", "ok"));
        Assert.Contains(events, e => Is(e, "ada", "executor.resume", "executor/test-2", "ok"));
        Assert.Contains(events, e => Is(e, "ada", "apikey.revoke", $"apikey/{w.RevokedKeyId:N}", "ok"));
        Assert.All(events, e => Assert.Equal(Tenant, e.GetProperty("tenant").GetString()));
        Assert.DoesNotContain(others, e => e.GetProperty("tenant").GetString() == Tenant);
    }

    static bool Is(JsonElement e, string actor, string action, string target, string outcome) =>
        e.GetProperty("actor").GetString() == actor && e.GetProperty("action").GetString() == action
        && e.GetProperty("target").GetString() == target && e.GetProperty("outcome").GetString() == outcome;

    /// <summary>What the matrix's refusals must leave as it was: jobs, the target job's state, keys, executor drains.</summary>
    async Task<string> Snapshot(Guid target) => string.Join("|",
        await Scalar<long>("SELECT count(*) FROM jobapi.jobs"),
        // A job moves on by itself (Pending → Running); a refused cancel must not have moved it toward Canceled.
        await Scalar<string>($"SELECT coalesce(max(CASE WHEN status IN ('Canceling', 'Canceled') THEN 'canceled' ELSE 'live' END || coalesce(cancel_requested_at::text, '')), '') FROM jobapi.jobs WHERE id = '{target}'"),
        await Scalar<long>("SELECT count(*) FROM jobapi.api_keys"),
        await Scalar<long>("SELECT count(*) FROM jobapi.api_keys WHERE revoked_at IS NOT NULL"),
        await Scalar<long>("SELECT count(*) FROM scheduler.executors WHERE drained_at IS NOT NULL"));

    async Task<T> Scalar<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(system.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    HttpClient Client(World w, string caller, bool viaGateway)
    {
        string? token = caller switch
        {
            "expired" => system.Token(Tenant, "admin", "ada", TimeSpan.FromMinutes(1), DateTime.UtcNow.AddMinutes(-10)),
            "wrong-signature" => TokenMinter.Mint(Convert.ToBase64String(new byte[48]), "ada", Tenant, "admin", TimeSpan.FromHours(1)),
            "viewer" => system.Token(Tenant, "viewer", "vera"),
            "operator" => system.Token(Tenant, "operator", "otto"),
            "admin" => system.Token(Tenant, "admin", "ada"),
            "other-tenant-admin" => system.Token("globex", "admin", "gus"),
            _ => null,
        };
        var http = viaGateway ? system.CreateClient(token) : system.CreateJobApiClient(token);
        if (caller == "revoked-key")
            http.DefaultRequestHeaders.Add("X-Api-Key", w.RevokedKey);
        return http;
    }

    /// <summary>What the call acts on: a job or key of its own where the call changes it (a job to cancel, a key to revoke), else the ended job.</summary>
    static async Task<Guid> Target(World w, string endpoint) => endpoint switch
    {
        "cancel" => await w.Otto.Submit(new { command = "/bin/sleep", args = new[] { "600" } }),
        "keys-revoke" => (await CreateKey(w.Admin, "to-revoke", "viewer")).Id,
        _ => w.OttoEnded,
    };

    static async Task<(int Status, string Body)> Call(HttpClient http, string endpoint, Guid target)
    {
        using var request = endpoint switch
        {
            "submit" => Post("/api/jobs", new { command = "/bin/true" }),
            "list" => new HttpRequestMessage(HttpMethod.Get, "/api/jobs"),
            "get" => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{target}"),
            "cancel" => Post($"/api/jobs/{target}/cancel", null),
            "retry" => Post($"/api/jobs/{target}/retry", null),
            "logs" => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{target}/logs"),
            "logs-raw" => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{target}/logs/raw"),
            "logs-stream" => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{target}/logs/stream"),
            "executors" => new HttpRequestMessage(HttpMethod.Get, "/api/executors"),
            "drain" => Post("/api/executors/test-1/drain", null),
            "resume" => Post("/api/executors/test-1/resume", null),
            "keys-create" => Post("/api/keys", new { name = "matrix", role = "viewer" }),
            "keys-list" => new HttpRequestMessage(HttpMethod.Get, "/api/keys"),
            "keys-revoke" => new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{target}"),
            "audit" => new HttpRequestMessage(HttpMethod.Get, "/api/audit"),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode >= 400)
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, body);
    }

    static HttpRequestMessage Post(string path, object? body) =>
        new(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };

    static async Task<(Guid Id, string Secret)> CreateKey(HttpClient admin, string name, string role)
    {
        using var response = await admin.PostAsJsonAsync("/api/keys", new { name, role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (created.GetProperty("key").GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    async Task<World> Setup()
    {
        await SetupLock.WaitAsync();
        try
        {
            if (world is not null && world.System == system)
                return world;
            var admin = system.CreateClient(system.Token(Tenant, "admin", "ada"));
            var otto = new JobsClient(system.CreateClient(system.Token(Tenant, "operator", "otto")), system);
            var ended = await otto.Submit(new { command = "/bin/echo", args = new[] { "matrix" } });
            await otto.Output(ended);
            var revoked = await CreateKey(admin, "revoked", "admin");
            using (var revoke = await admin.DeleteAsync($"/api/keys/{revoked.Id}"))
                Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
            world = new World(system, admin, otto, ended, revoked.Id, revoked.Secret);
            return world;
        }
        finally
        {
            SetupLock.Release();
        }
    }

    sealed record World(JobsSystem System, HttpClient Admin, JobsClient Otto, Guid OttoEnded, Guid RevokedKeyId, string RevokedKey);
}
