using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace Jobs.EndToEnd.Tests;

/// <summary>One Server-Sent Event as a client sees it.</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data);

/// <summary>A minimal SSE client over HttpClient, reading events as they arrive.</summary>
public static class ServerSentEvents
{
    public static async IAsyncEnumerable<ServerSentEvent> Read(
        HttpClient http, string path, string? lastEventId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);

        string? id = null, name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0)
                    yield return new ServerSentEvent(id, name ?? "message", data.ToString());
                id = name = null;
                data.Clear();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
                id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                data.Append(line[6..]);
        }
    }

    /// <summary>Every event until (and with) <c>end</c>, within <paramref name="timeout"/>.</summary>
    public static async Task<List<ServerSentEvent>> UntilEnd(HttpClient http, string path, string? lastEventId = null, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var events = new List<ServerSentEvent>();
        await foreach (var e in Read(http, path, lastEventId, deadline.Token))
        {
            events.Add(e);
            if (e.Event == "end")
                break;
        }
        return events;
    }
}
