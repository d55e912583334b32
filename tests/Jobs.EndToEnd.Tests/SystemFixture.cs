using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>One running system shared by the end-to-end tests: starting five services takes seconds, not milliseconds.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    JobsSystem? system;

    public JobsSystem System => system ?? throw new InvalidOperationException("The system has not started.");

    /// <summary>
    /// Tenants for the security tests: <c>acme</c> lets operators run <c>/bin/echo</c> (plain words), <c>/bin/true</c>
    /// (no arguments) and <c>/bin/sleep</c> (a number), in <c>/tmp</c>, and the template <c>greet</c>; <c>strict</c>
    /// allows only that template, even to admins; <c>limited</c> has a small request rate.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Configuration = new Dictionary<string, string>
    {
        ["Policies:Tenants:acme:Commands:0:Command"] = "/bin/echo",
        ["Policies:Tenants:acme:Commands:0:Args"] = "[A-Za-z0-9 ._-]*",
        ["Policies:Tenants:acme:Commands:1:Command"] = "/bin/true",
        ["Policies:Tenants:acme:Commands:1:MaxArgs"] = "0",
        ["Policies:Tenants:acme:Commands:2:Command"] = "/bin/sleep",
        ["Policies:Tenants:acme:Commands:2:Args"] = "[0-9]{1,4}",
        ["Policies:Tenants:acme:WorkingDirectories:0"] = "/tmp",
        ["Policies:Tenants:acme:Templates:greet:Command"] = "/bin/echo",
        ["Policies:Tenants:acme:Templates:greet:Args:0"] = "hello",
        ["Policies:Tenants:acme:Templates:greet:Args:1"] = "{name}",
        ["Policies:Tenants:acme:Templates:greet:Parameters:name"] = "[a-z]{1,20}",
        ["Policies:Tenants:strict:AdminsRunAnyCommand"] = "false",
        ["Policies:Tenants:strict:TemplatesOnly"] = "true",
        ["Policies:Tenants:strict:Templates:greet:Command"] = "/bin/echo",
        ["Policies:Tenants:strict:Templates:greet:Args:0"] = "hello {name}",
        ["Policies:Tenants:strict:Templates:greet:Parameters:name"] = "[a-z]{1,20}",
        ["RateLimits:Tenants:limited:TokenLimit"] = "5",
        ["RateLimits:Tenants:limited:TokensPerSecond"] = "2",
    };

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 2, slotsPerExecutor: 4, everywhere: Configuration);

    public async Task DisposeAsync()
    {
        if (system is not null)
            await system.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}
