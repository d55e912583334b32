using System.Runtime.CompilerServices;
using System.Text;

namespace Jobs.Bench.LogLatency;

/// <summary>One event of a Server-Sent Events stream; <see cref="ReceivedNs"/> is when its first line was read.</summary>
internal sealed record ServerSentEvent(string Type, string? Id, string Data, long ReceivedNs);

/// <summary>
/// Reads a <c>text/event-stream</c> body: fields <c>event</c>, <c>id</c> and <c>data</c> (several data lines joined
/// with a newline), an event ending at a blank line; comment lines (a leading colon) are only counted.
/// </summary>
internal sealed class ServerSentEventReader(Stream body)
{
    /// <summary>Comment lines read so far (the server's <c>: keep-alive</c>).</summary>
    public int Comments { get; private set; }

    public async IAsyncEnumerable<ServerSentEvent> ReadAll([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? type = null;
        string? id = null;
        var data = new StringBuilder();
        var hasData = false;
        var startedNs = 0L;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                    yield return new ServerSentEvent(type ?? "message", id, data.ToString(), startedNs);
                type = null;
                id = null;
                data.Clear();
                hasData = false;
                startedNs = 0;
                continue;
            }
            if (line[0] == ':')
            {
                Comments++;
                continue;
            }
            if (startedNs == 0)
                startedNs = WallClock.NowNs();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
                value = value[1..];
            switch (field)
            {
                case "event":
                    type = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "data":
                    if (hasData)
                        data.Append('\n');
                    data.Append(value);
                    hasData = true;
                    break;
                default:
                    // "retry" and unknown fields do not matter here.
                    break;
            }
        }
    }
}
