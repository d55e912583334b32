using System.Net.Http.Headers;
using System.Security.Cryptography;
using Jobs.Token;

namespace Jobs.Testing;

/// <summary>
/// The whole system as real processes on a database and virtual host of its own: JobApi, Scheduler, LogSink, the
/// gateway and <c>executors</c> executors (<c>test-1</c>, <c>test-2</c>, …, labelled <c>zone</c> odd or even). Services can be stopped, killed and started again by name.
/// The services share a signing key of the system's own; <see cref="CreateClient()"/> is an admin of tenant <see cref="Tenant"/>.
/// </summary>
public sealed class JobsSystem : IAsyncDisposable
{
    readonly Dictionary<string, ServiceProcess> services = [];
    readonly Dictionary<string, (string Service, Dictionary<string, string> Configuration)> definitions = [];
    IReadOnlyDictionary<string, string> everywhere = new Dictionary<string, string>();
    readonly string logDirectory;

    JobsSystem(ServerEndpoints servers, TestDatabase database, TestVirtualHost virtualHost)
    {
        Servers = servers;
        Database = database;
        VirtualHost = virtualHost;
        logDirectory = Path.Combine(RepositoryRoot.Path, ".local", "test-logs", virtualHost.Name);
    }

    /// <summary>The tenant of <see cref="CreateClient()"/>.</summary>
    public const string Tenant = "test";

    /// <summary>
    /// Configuration that raises every rate limit (the gateway's per caller, JobApi's per tenant and per client) to a
    /// million a second, for tests and benchmarks that measure the system rather than the limits that protect it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> UnlimitedRates { get; } = new Dictionary<string, string>
    {
        ["Gateway:RateLimit:TokenLimit"] = "1000000",
        ["Gateway:RateLimit:TokensPerSecond"] = "1000000",
        ["RateLimits:PerTenant:TokenLimit"] = "1000000",
        ["RateLimits:PerTenant:TokensPerSecond"] = "1000000",
        ["RateLimits:PerClient:TokenLimit"] = "1000000",
        ["RateLimits:PerClient:TokensPerSecond"] = "1000000",
    };

    /// <summary>The key every service of this system checks tokens against.</summary>
    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public ServerEndpoints Servers { get; }
    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public ServiceProcess Gateway => services["gateway"];
    public ServiceProcess JobApi => services["jobapi"];
    public IReadOnlyDictionary<string, ServiceProcess> Services => services;

    /// <summary>
    /// Starts the five services; <paramref name="everywhere"/> is configuration given to each of them. With
    /// <paramref name="jobApis"/> above 1, JobApi runs as <c>jobapi</c>, <c>jobapi-2</c>, … behind the gateway; likewise
    /// <paramref name="schedulers"/> (<c>scheduler</c>, <c>scheduler-2</c>, …) and <paramref name="logSinks"/>
    /// (<c>logsink</c>, <c>logsink-2</c>, …), which share their work through the database and the broker. The
    /// database and virtual host are made on <paramref name="servers"/> (default: the shared <see cref="TestServers"/>).
    /// </summary>
    public static async Task<JobsSystem> Start(
        int executors = 2, int slotsPerExecutor = 4, IReadOnlyDictionary<string, string>? everywhere = null, int jobApis = 1,
        ServerEndpoints? servers = null, int schedulers = 1, int logSinks = 1)
    {
        servers ??= await TestServers.Get();
        var system = new JobsSystem(servers, await TestDatabase.Create(servers), await TestVirtualHost.Create(servers));
        system.everywhere = new Dictionary<string, string>(everywhere ?? new Dictionary<string, string>())
        {
            ["Auth:Jwt:SigningKey"] = system.SigningKey,
        };
        try
        {
            system.Define("jobapi", "JobApi", withDatabase: true);
            for (var i = 2; i <= jobApis; i++)
                system.Define($"jobapi-{i}", "JobApi", withDatabase: true);
            for (var i = 1; i <= schedulers; i++)
                system.Define(i == 1 ? "scheduler" : $"scheduler-{i}", "Scheduler", withDatabase: true, ("Scheduler:ExecutorTimeout", "00:00:08"));
            for (var i = 1; i <= logSinks; i++)
                system.Define(i == 1 ? "logsink" : $"logsink-{i}", "LogSink", withDatabase: true);
            for (var i = 1; i <= executors; i++)
            {
                system.Define($"executor-{i}", "Executor", withDatabase: false,
                    ("Executor:Id", $"test-{i}"),
                    ("Executor:Slots", slotsPerExecutor.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("Executor:HeartbeatInterval", "00:00:02"),
                    ("Executor:AllowRoot", "true"),
                    ("Executor:DrainTimeout", "00:00:05"),
                    ("Executor:Labels:zone", i % 2 == 0 ? "even" : "odd"),
                    ("Executor:WorkRoot", Path.Combine(Path.GetTempPath(), system.VirtualHost.Name, $"executor-{i}")));
            }

            // Everything but the gateway, which needs JobApi's port, starts side by side.
            await Task.WhenAll(system.definitions.Keys.ToList().Select(system.StartService));

            var gateway = new Dictionary<string, string>(system.everywhere)
            {
                ["ReverseProxy:Clusters:jobapi:Destinations:jobapi1:Address"] = system.JobApi.BaseAddress.ToString(),
            };
            for (var i = 2; i <= jobApis; i++)
                gateway[$"ReverseProxy:Clusters:jobapi:Destinations:jobapi{i}:Address"] = system.services[$"jobapi-{i}"].BaseAddress.ToString();
            system.definitions["gateway"] = ("Gateway", gateway);
            await system.StartService("gateway");
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or starts again, on the same port) a service by name and waits until it is healthy.</summary>
    public async Task StartService(string name)
    {
        var (service, configuration) = definitions[name];
        int? port = services.TryGetValue(name, out var previous) ? previous.Port : null;
        if (previous is not null)
            await previous.DisposeAsync();
        var process = ServiceProcess.Start(service, name, configuration, logDirectory, port);
        services[name] = process;
        // Generous: several systems start at once when the test projects do, cold, on a shared two-core machine; a
        // service that fails outright is reported at once (WaitHealthy stops when the process exits).
        await process.WaitHealthy(TimeSpan.FromSeconds(180));
    }

    /// <summary>A client of the public API through the gateway, as an admin of tenant <see cref="Tenant"/>.</summary>
    public HttpClient CreateClient() => CreateClient(Token(Tenant, "admin", "test-admin"));

    /// <summary>A client through the gateway with the given bearer token (none when null).</summary>
    public HttpClient CreateClient(string? token) => Authorized(new HttpClient { BaseAddress = Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) }, token);

    /// <summary>A client straight to JobApi, bypassing the gateway, with the given bearer token (none when null).</summary>
    public HttpClient CreateJobApiClient(string? token) => Authorized(new HttpClient { BaseAddress = JobApi.BaseAddress, Timeout = TimeSpan.FromSeconds(60) }, token);

    /// <summary>A token this system's services accept (unless <paramref name="lifetime"/> is over by now).</summary>
    public string Token(string tenant, string role, string subject, TimeSpan? lifetime = null, DateTime? issuedAt = null) =>
        TokenMinter.Mint(SigningKey, subject, tenant, role, lifetime ?? TimeSpan.FromHours(2), now: issuedAt);

    static HttpClient Authorized(HttpClient client, string? token)
    {
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Everything the services logged lately, for failure messages.</summary>
    public string Logs() => string.Join("\n", services.Values.Select(s => $"--- {s.Name} ---\n{s.Tail(25)}"));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(services.Values.Select(s => s.DisposeAsync().AsTask()));
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }

    void Define(string name, string service, bool withDatabase, params (string Key, string Value)[] extra)
    {
        var configuration = new Dictionary<string, string>
        {
            ["RabbitMq:Host"] = Servers.RabbitHost,
            ["RabbitMq:Port"] = Servers.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = VirtualHost.Name,
            ["RabbitMq:Username"] = Servers.RabbitUser,
            ["RabbitMq:Password"] = Servers.RabbitPassword,
            // Timestamps in the service logs, to line up what the services did when a test fails.
            ["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:Console:IncludeScopes"] = "true",
        };
        if (withDatabase)
            configuration["ConnectionStrings:Jobs"] = Database.ConnectionString;
        foreach (var (key, value) in everywhere)
            configuration[key] = value;
        foreach (var (key, value) in extra)
            configuration[key] = value;
        definitions[name] = (service, configuration);
    }
}
