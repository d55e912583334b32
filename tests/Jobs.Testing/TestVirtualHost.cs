using System.Net.Http.Headers;
using System.Text;

namespace Jobs.Testing;

/// <summary>A RabbitMQ virtual host of its own for one test class or run, deleted afterwards with every queue in it.</summary>
public sealed class TestVirtualHost : IAsyncDisposable
{
    readonly HttpClient management;

    TestVirtualHost(HttpClient management, string name)
    {
        this.management = management;
        Name = name;
    }

    public string Name { get; }

    public static async Task<TestVirtualHost> Create(ServerEndpoints servers)
    {
        var management = new HttpClient { BaseAddress = new Uri($"http://{servers.RabbitHost}:{servers.RabbitManagementPort}/api/") };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{servers.RabbitUser}:{servers.RabbitPassword}")));

        var name = $"jobs-test-{Guid.NewGuid():N}";
        (await management.PutAsync($"vhosts/{name}", null)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await management.PutAsync($"permissions/{name}/{Uri.EscapeDataString(servers.RabbitUser)}", permissions)).EnsureSuccessStatusCode();
        return new TestVirtualHost(management, name);
    }

    public async ValueTask DisposeAsync()
    {
        using (await management.DeleteAsync($"vhosts/{Name}"))
            management.Dispose();
    }
}
