using System.Net;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>One job is one trace: spans from all five services, sharing the trace id the client started, in one tree.</summary>
public sealed class TracingTests : IAsyncLifetime
{
    readonly OtlpReceiver receiver = new();
    JobsSystem system = null!;

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 1, slotsPerExecutor: 2, new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    });

    public async Task DisposeAsync()
    {
        await system.DisposeAsync();
        await receiver.DisposeAsync();
    }

    [Fact]
    public async Task OneJob_IsOneTraceAcrossAllFiveServices()
    {
        var traceId = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        const string clientSpan = "00F067AA0BA902B7";
        using var http = system.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
        {
            Content = new StringContent("""{"command":"echo","args":["traced"]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId.ToLowerInvariant()}-{clientSpan.ToLowerInvariant()}-01");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var jobs = new JobsClient(http, system);
        var id = Guid.Parse((await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement.GetProperty("id").GetString()!);
        Assert.Equal("traced\n", await jobs.Output(id));

        string[] services = ["Jobs.Gateway", "Jobs.JobApi", "Jobs.Scheduler", "Jobs.Executor", "Jobs.LogSink"];
        // A parent span ends (and is exported) after its children: wait until the tree is whole, not just until every service shows.
        var trace = await Eventually.Get(
            () => Task.FromResult(receiver.Spans.Where(s => s.TraceId == traceId).ToList()),
            spans => services.All(service => spans.Any(s => s.Service == service))
                && Orphans(spans, clientSpan).Count == 0
                && spans.Any(s => s.Name == "write log batch"),
            TimeSpan.FromSeconds(30),
            $"spans of trace {traceId} from all five services in one tree");

        Assert.Empty(Orphans(trace, clientSpan));
        Assert.Single(trace, s => s.ParentSpanId == clientSpan);
        Assert.Contains(trace, s => s.Service == "Jobs.Scheduler" && s.Name == "place job" && s.Attributes.GetValueOrDefault("job.id") == id.ToString());
        Assert.Contains(trace, s => s.Service == "Jobs.Executor" && s.Name == "run process" && s.Attributes.GetValueOrDefault("job.id") == id.ToString());
        // The executor's log lines about the job carry its trace and job ids.
        Assert.Contains($"TraceId:{traceId.ToLowerInvariant()} => JobId:{id}, Attempt:1", system.Services["executor-1"].Tail(400), StringComparison.Ordinal);
        Assert.Contains(trace, s => s.Service == "Jobs.LogSink" && s.Name == "write log batch" && s.Attributes.GetValueOrDefault("job.ids")?.Contains(id.ToString(), StringComparison.Ordinal) == true);
    }

    /// <summary>Spans whose parent is not in the trace (but for the root, whose parent is the client's span).</summary>
    static List<ReceivedSpan> Orphans(List<ReceivedSpan> spans, string clientSpan)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        return [.. spans.Where(s => s.ParentSpanId != clientSpan && !ids.Contains(s.ParentSpanId))];
    }
}
