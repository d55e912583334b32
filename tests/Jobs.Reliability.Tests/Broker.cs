using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.Reliability.Tests;

/// <summary>The system's virtual host as the RabbitMQ management API shows it.</summary>
public sealed class Broker : IDisposable
{
    readonly HttpClient management;
    readonly string vhost;

    public Broker(ServerEndpoints servers, string virtualHost)
    {
        vhost = Uri.EscapeDataString(virtualHost);
        management = new HttpClient { BaseAddress = new Uri($"http://{servers.RabbitHost}:{servers.RabbitManagementPort}/api/"), Timeout = TimeSpan.FromSeconds(30) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{servers.RabbitUser}:{servers.RabbitPassword}")));
    }

    /// <summary>
    /// Every message parked in an <c>_error</c> or <c>_skipped</c> queue, as "queue: fault"; read with a get that
    /// requeues (the queue listing's counts lag by seconds, a get does not).
    /// </summary>
    public async Task<IReadOnlyList<string>> ParkedMessages()
    {
        var queues = await management.GetFromJsonAsync<JsonElement>($"queues/{vhost}?columns=name");
        var parked = new List<string>();
        foreach (var name in queues.EnumerateArray().Select(q => q.GetProperty("name").GetString()!)
            .Where(n => n.EndsWith("_error", StringComparison.Ordinal) || n.EndsWith("_skipped", StringComparison.Ordinal)))
        {
            using var response = await management.PostAsJsonAsync(
                $"queues/{vhost}/{Uri.EscapeDataString(name)}/get", new { count = 20, ackmode = "ack_requeue_true", encoding = "auto", truncate = 2000 });
            response.EnsureSuccessStatusCode();
            foreach (var message in (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray())
                parked.Add($"{name}: {Reason(message)}");
        }
        return parked;
    }

    /// <summary>
    /// Messages a queue holds (ready or unacknowledged) and has delivered so far; the counts lag by the broker's
    /// statistics interval (5 s).
    /// </summary>
    public async Task<(long Held, long Delivered)> Queue(string name)
    {
        var queue = await management.GetFromJsonAsync<JsonElement>($"queues/{vhost}/{Uri.EscapeDataString(name)}");
        var held = queue.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number ? messages.GetInt64() : 0;
        var delivered = queue.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("deliver_get", out var count) ? count.GetInt64() : 0;
        return (held, delivered);
    }

    /// <summary>Every queue of the virtual host holding messages, as "name ready/unacknowledged".</summary>
    public async Task<IReadOnlyList<string>> Held()
    {
        var queues = await management.GetFromJsonAsync<JsonElement>($"queues/{vhost}?columns=name,messages_ready,messages_unacknowledged");
        long Count(JsonElement queue, string name) => queue.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
        return [.. queues.EnumerateArray()
            .Where(q => Count(q, "messages_ready") + Count(q, "messages_unacknowledged") > 0)
            .Select(q => $"{q.GetProperty("name").GetString()} {Count(q, "messages_ready")}/{Count(q, "messages_unacknowledged")}")];
    }

    static string Reason(JsonElement message)
    {
        var headers = message.GetProperty("properties").TryGetProperty("headers", out var h) ? h : default;
        string? Header(string key) => headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(key, out var value) ? value.ToString() : null;
        return $"{Header("MT-Reason") ?? "fault"} {Header("MT-Fault-ExceptionType")}: {Header("MT-Fault-Message")} (message type {Header("MT-MessageType") ?? message.GetProperty("routing_key").GetString()})";
    }

    public void Dispose() => management.Dispose();
}
