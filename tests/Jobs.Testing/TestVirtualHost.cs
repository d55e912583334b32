using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>
    /// Closes, from the broker's side, every connection of the process <paramref name="processId"/> to this virtual host,
    /// as a network fault would; returns how many it closed.
    /// </summary>
    public async Task<int> CloseConnections(int processId)
    {
        var connections = await management.GetFromJsonAsync<JsonElement>($"vhosts/{Uri.EscapeDataString(Name)}/connections");
        var closed = 0;
        foreach (var connection in connections.EnumerateArray())
        {
            if (!connection.TryGetProperty("client_properties", out var client)
                || !client.TryGetProperty("connection_name", out var connectionName)
                || connectionName.GetString()?.EndsWith($" pid {processId}", StringComparison.Ordinal) != true)
                continue;
            using var response = await management.DeleteAsync($"connections/{Uri.EscapeDataString(connection.GetProperty("name").GetString()!)}");
            response.EnsureSuccessStatusCode();
            closed++;
        }
        return closed;
    }

    /// <summary>
    /// The names of this virtual host's <c>_error</c> and <c>_skipped</c> queues: MassTransit declares one only when it
    /// first moves there a message it gave up on (faulted, or with no consumer), so any at all is a message lost.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeadLetterQueues()
    {
        var queues = await management.GetFromJsonAsync<JsonElement>($"queues/{Uri.EscapeDataString(Name)}?columns=name");
        return [.. queues.EnumerateArray()
            .Select(q => q.GetProperty("name").GetString()!)
            .Where(q => q.EndsWith("_error", StringComparison.Ordinal) || q.EndsWith("_skipped", StringComparison.Ordinal))];
    }

    static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Publishes <paramref name="message"/> (as JSON) to <paramref name="exchange"/> in MassTransit's envelope, through the
    /// management API: from outside any bus, so it does not depend on a client's connection.
    /// </summary>
    public async Task PublishEnvelope(string exchange, string messageUrn, object message)
    {
        var envelope = JsonSerializer.Serialize(new { messageId = Guid.NewGuid(), messageType = new[] { messageUrn }, message }, WebJson);
        using var response = await management.PostAsJsonAsync($"exchanges/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(exchange)}/publish", new
        {
            properties = new { content_type = "application/vnd.masstransit+json", delivery_mode = 2 },
            routing_key = "",
            payload = envelope,
            payload_encoding = "string",
        });
        response.EnsureSuccessStatusCode();
        var routed = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("routed").GetBoolean();
        if (!routed)
            throw new InvalidOperationException($"Nothing is bound to exchange {exchange}.");
    }

    /// <summary>Deletes every message a queue holds (what a broker that lost them would leave); returns how many it held.</summary>
    public async Task<long> Purge(string queue)
    {
        var path = $"queues/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(queue)}";
        var held = await Held(queue);
        (await management.DeleteAsync($"{path}/contents")).EnsureSuccessStatusCode();
        return held;
    }

    /// <summary>
    /// Messages a queue holds (ready or unacknowledged), as the broker's statistics last counted them (they lag by
    /// seconds); 0 for a queue not listed yet. Read from the virtual host's queue list, whose entries are always objects.
    /// </summary>
    public async Task<long> Held(string queue)
    {
        var queues = await management.GetFromJsonAsync<JsonElement>($"queues/{Uri.EscapeDataString(Name)}?columns=name,messages");
        foreach (var entry in queues.EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() == queue)
                return entry.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0;
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        using (await management.DeleteAsync($"vhosts/{Name}"))
            management.Dispose();
    }
}
