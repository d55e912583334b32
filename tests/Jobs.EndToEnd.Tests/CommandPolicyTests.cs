using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// The tenants' command policies (see <see cref="SystemFixture.Configuration"/>) through the gateway: what operators may
/// run, templates, and what nobody may do; a denial is a 403 naming the rule and creates nothing.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class CommandPolicyTests(SystemFixture fixture)
{
    readonly JobsSystem system = fixture.System;

    [Theory]
    [InlineData("""{"command": "/bin/echo", "args": ["hello", "world"]}""")]
    [InlineData("""{"command": "/bin/true"}""")]
    [InlineData("""{"command": "/bin/sleep", "args": ["0"], "workingDirectory": "/tmp"}""")]
    [InlineData("""{"command": "/bin/echo", "env": {"GREETING": "hi"}}""")]
    public async Task Operator_RunsWhatThePolicyAllows(string body)
    {
        var (status, problem) = await Submit(Operator("acme"), body);

        Assert.True(status == HttpStatusCode.Created, problem);
    }

    [Theory]
    [InlineData("""{"command": "/bin/rm", "args": ["-rf", "/"]}""", "Policies:Tenants:acme:Commands")]
    [InlineData("""{"command": "rm"}""", "Policies:Tenants:acme:Commands")]
    [InlineData("""{"command": "/bin/echo", "args": ["$(id)"]}""", "Policies:Tenants:acme:Commands")]
    [InlineData("""{"command": "/bin/true", "args": ["extra"]}""", "Policies:Tenants:acme:Commands")]
    [InlineData("""{"command": "/bin/sleep", "args": ["1; rm -rf /"]}""", "Policies:Tenants:acme:Commands")]
    [InlineData("""{"command": "/bin/echo", "shell": true}""", "Policies:Tenants:acme:AllowShell")]
    [InlineData("""{"command": "/bin/echo", "env": {"PATH": "/evil"}}""", "Policies:Tenants:acme:DeniedEnv")]
    [InlineData("""{"command": "/bin/echo", "env": {"LD_PRELOAD": "/tmp/x.so"}}""", "Policies:Tenants:acme:DeniedEnv")]
    [InlineData("""{"command": "/bin/echo", "workingDirectory": "/etc"}""", "Policies:Tenants:acme:WorkingDirectories")]
    [InlineData("""{"command": "/bin/echo", "workingDirectory": "/tmpfoo"}""", "Policies:Tenants:acme:WorkingDirectories")]
    [InlineData("""{"command": "/bin/echo", "workingDirectory": "/tmp/../etc"}""", "Policies:Tenants:acme:WorkingDirectories")]
    [InlineData("""{"command": "/bin/echo", "workingDirectory": "/tmp/./x"}""", "Policies:Tenants:acme:WorkingDirectories")]
    public async Task Operator_IsDeniedWithTheRule_AndNothingIsCreated(string body, string rule)
    {
        var before = await JobCount();

        var (status, problem) = await Submit(Operator("acme"), body);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        using var json = JsonDocument.Parse(problem);
        Assert.Equal(rule, json.RootElement.GetProperty("rule").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("detail").GetString()));
        Assert.Equal(before, await JobCount());
    }

    [Fact]
    public async Task PathTraversal_IsDeniedEvenToAdminsWhoMayRunAnything()
    {
        var (status, problem) = await Submit(Admin("acme"), """{"command": "ls", "workingDirectory": "/tmp/../../root"}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("Policies:Tenants:acme:WorkingDirectories", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_RunsAnyCommand_WhereThePolicySaysSo()
    {
        var (status, problem) = await Submit(Admin("acme"), """{"command": "echo $((6*7))", "shell": true}""");

        Assert.True(status == HttpStatusCode.Created, problem);
    }

    [Fact]
    public async Task Template_RunsWithItsParameter_InPlaceOfTheCommand()
    {
        var jobs = new JobsClient(Operator("acme"), system);
        var (status, body) = await Submit(jobs.Http, """{"template": "greet", "parameters": {"name": "world"}}""");
        Assert.True(status == HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();

        Assert.Equal("hello world\n", await jobs.Output(id));
        var job = await jobs.Get(id);
        Assert.Equal("/bin/echo", job.GetProperty("command").GetString());
    }

    [Theory]
    [InlineData("""{"template": "greet", "parameters": {"name": "world; rm -rf /"}}""", "parameters.name")]
    [InlineData("""{"template": "greet"}""", "parameters.name")]
    [InlineData("""{"template": "greet", "parameters": {"name": "x", "extra": "y"}}""", "parameters.extra")]
    [InlineData("""{"template": "nuke"}""", "template")]
    public async Task TemplateMistakes_Are400NamingTheField(string body, string field)
    {
        var (status, problem) = await Submit(Operator("acme"), body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(JsonDocument.Parse(problem).RootElement.GetProperty("errors").TryGetProperty(field, out _), problem);
    }

    [Fact]
    public async Task TemplatesOnlyTenant_RefusesCommandsEvenToItsAdmins_ButRunsTemplates()
    {
        var (denied, problem) = await Submit(Admin("strict"), """{"command": "/bin/true"}""");
        var (allowed, body) = await Submit(Operator("strict"), """{"template": "greet", "parameters": {"name": "ops"}}""");

        Assert.Equal(HttpStatusCode.Forbidden, denied);
        Assert.Equal("Policies:Tenants:strict:TemplatesOnly", JsonDocument.Parse(problem).RootElement.GetProperty("rule").GetString());
        Assert.True(allowed == HttpStatusCode.Created, body);
    }

    [Fact]
    public async Task OperatorsOfATenantWithoutAPolicy_FallUnderTheDefault_WhichAllowsNoCommand()
    {
        var (status, problem) = await Submit(Operator("nopolicy"), """{"command": "/bin/true"}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Policies:Default:Commands", JsonDocument.Parse(problem).RootElement.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task IdempotencyKeys_ArePerTenant()
    {
        const string key = "same-key-in-two-tenants";
        var (first, a) = await Submit(Admin("acme"), """{"command": "/bin/true"}""", key);
        var (second, b) = await Submit(Admin("globex"), """{"command": "/bin/true"}""", key);

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        Assert.NotEqual(JsonDocument.Parse(a).RootElement.GetProperty("id").GetGuid(), JsonDocument.Parse(b).RootElement.GetProperty("id").GetGuid());
    }

    HttpClient Operator(string tenant) => system.CreateClient(system.Token(tenant, "operator", "otto"));

    HttpClient Admin(string tenant) => system.CreateClient(system.Token(tenant, "admin", "ada"));

    static async Task<(HttpStatusCode Status, string Body)> Submit(HttpClient http, string body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    async Task<long> JobCount()
    {
        await using var data = system.Database.CreateDataSource();
        await using var command = data.CreateCommand("SELECT count(*) FROM jobapi.jobs");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
