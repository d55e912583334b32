using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Jobs.Testing;

/// <summary>One span as an OTLP exporter sent it: which service, which trace, which parent.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A minimal OTLP/HTTP trace receiver (protobuf, <c>POST /v1/traces</c>) on a loopback port, for tests that check what
/// the services trace. It decodes just the fields it keeps, by their numbers in opentelemetry-proto.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    readonly HttpListener listener = new();
    readonly ConcurrentQueue<ReceivedSpan> spans = new();
    readonly Task serving;

    public OtlpReceiver()
    {
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(Serve);
    }

    public int Port { get; }

    /// <summary>The endpoint to give exporters (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> with protocol <c>http/protobuf</c>).</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<ReceivedSpan> Spans => [.. spans];

    async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
                Decode(body.ToArray());
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    void Decode(byte[] request)
    {
        // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            var service = "";
            var scopeSpans = new List<byte[]>();
            foreach (var field in Fields(resourceSpans.Bytes))
            {
                if (field.Number == 1)   // Resource { repeated KeyValue attributes = 1; }
                    service = Attributes(field.Bytes, 1).GetValueOrDefault("service.name", "");
                else if (field.Number == 2)
                    scopeSpans.Add(field.Bytes);
            }
            // ScopeSpans { repeated Span spans = 2; }
            foreach (var span in scopeSpans.SelectMany(s => Fields(s)).Where(f => f.Number == 2))
            {
                string traceId = "", spanId = "", parent = "", name = "";
                var fields = Fields(span.Bytes).ToList();
                foreach (var f in fields)
                {
                    switch (f.Number)
                    {
                        case 1: traceId = Convert.ToHexString(f.Bytes); break;
                        case 2: spanId = Convert.ToHexString(f.Bytes); break;
                        case 4: parent = Convert.ToHexString(f.Bytes); break;
                        case 5: name = Encoding.UTF8.GetString(f.Bytes); break;
                    }
                }
                spans.Enqueue(new ReceivedSpan(service, traceId, spanId, parent, name, Attributes(span.Bytes, 9)));
            }
        }
    }

    /// <summary>String attributes (KeyValue { string key = 1; AnyValue value = 2; }, AnyValue { string string_value = 1; }).</summary>
    static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in Fields(message).Where(f => f.Number == field))
        {
            string? key = null, value = null;
            foreach (var f in Fields(keyValue.Bytes))
            {
                if (f.Number == 1)
                    key = Encoding.UTF8.GetString(f.Bytes);
                else if (f.Number == 2)
                    value = Fields(f.Bytes).Where(v => v.Number == 1 && v.WireType == 2).Select(v => Encoding.UTF8.GetString(v.Bytes)).FirstOrDefault();
            }
            if (key is not null && value is not null)
                attributes[key] = value;
        }
        return attributes;
    }

    readonly record struct Field(int Number, int WireType, byte[] Bytes);

    /// <summary>The top-level fields of a protobuf message; only length-delimited ones carry their bytes.</summary>
    static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0: Varint(message, ref position); yield return new Field(number, wireType, []); break;
                case 1: position += 8; yield return new Field(number, wireType, []); break;
                case 5: position += 4; yield return new Field(number, wireType, []); break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return new Field(number, wireType, message[position..(position + length)]);
                    position += length;
                    break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type {wireType}.");
            }
        }
    }

    static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
    }

    static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await serving;
    }
}
