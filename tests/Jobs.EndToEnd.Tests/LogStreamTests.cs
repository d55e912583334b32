using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>Live logs over SSE (history, live, end, resume), raw download, filters and completeness, LogSink crashes.</summary>
[Collection(SystemCollection.Name)]
public sealed class LogStreamTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task StreamOfAFinishedJob_DeliversItsHistoryThenEnd()
    {
        var id = await jobs.Submit(new { command = "for i in $(seq 1 50); do echo line $i; done", shell = true });
        var output = await jobs.Output(id);

        var events = await ServerSentEvents.UntilEnd(jobs.Http, $"/api/jobs/{id}/logs/stream");

        Assert.Equal(output, Text(events));
        Assert.Equal(Lines(50), output);
        Assert.Equal("end", events[^1].Event);
        Assert.Equal("Succeeded", JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task StreamOfARunningJob_DeliversLinesWhileItRunsThenEnd()
    {
        var id = await jobs.Submit(new { command = "for i in $(seq 1 20); do echo line $i; sleep 0.2; done", shell = true });
        string? statusAtFirstChunk = null;

        var events = new List<ServerSentEvent>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await foreach (var e in ServerSentEvents.Read(jobs.Http, $"/api/jobs/{id}/logs/stream", cancellationToken: deadline.Token))
        {
            statusAtFirstChunk ??= e.Event == "chunk" ? (await jobs.Get(id)).GetProperty("status").GetString() : null;
            events.Add(e);
            if (e.Event == "end")
                break;
        }

        // Live: the first line arrived while the job still ran (the saga may not have recorded the start yet).
        Assert.Contains(statusAtFirstChunk, new[] { "Assigned", "Running" });
        Assert.Equal(Lines(20), Text(events));
        Assert.Equal("end", events[^1].Event);
    }

    [Fact]
    public async Task ClientThatDisconnectsAndResumesWithLastEventId_GetsAnExactContinuation()
    {
        var id = await jobs.Submit(new { command = "for i in $(seq 1 30); do echo line $i; sleep 0.1; done", shell = true });
        var first = new List<ServerSentEvent>();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await foreach (var e in ServerSentEvents.Read(jobs.Http, $"/api/jobs/{id}/logs/stream", cancellationToken: deadline.Token))
            {
                first.Add(e);
                if (first.Count == 5)
                    break;
            }
        }

        var rest = await ServerSentEvents.UntilEnd(jobs.Http, $"/api/jobs/{id}/logs/stream", lastEventId: first[^1].Id);

        var all = first.Concat(rest).Where(e => e.Event == "chunk").ToList();
        Assert.Equal(Lines(30), Text(all));
        Assert.Equal(Enumerable.Range(0, all.Count).Select(seq => $"1.{seq}"), all.Select(e => e.Id));
    }

    [Fact]
    public async Task TwoConcurrentClients_GetIdenticalStreams()
    {
        var id = await jobs.Submit(new { command = "for i in $(seq 1 30); do echo line $i; echo err $i >&2; sleep 0.05; done", shell = true });

        var streams = await Task.WhenAll(
            ServerSentEvents.UntilEnd(jobs.Http, $"/api/jobs/{id}/logs/stream"),
            ServerSentEvents.UntilEnd(jobs.Http, $"/api/jobs/{id}/logs/stream"));

        Assert.Equal(streams[0], streams[1]);
        Assert.Equal(await jobs.Output(id), Text(streams[0]));
    }

    [Fact]
    public async Task StreamFilteredToStderr_HasOnlyStderr()
    {
        var id = await jobs.Submit(new { command = "echo out; echo err >&2", shell = true });
        await jobs.Output(id);

        var events = await ServerSentEvents.UntilEnd(jobs.Http, $"/api/jobs/{id}/logs/stream?stream=stderr");

        Assert.Equal("err\n", Text(events));
    }

    [Fact]
    public async Task BadLastEventId_Is400NamingTheHeader()
    {
        var id = await jobs.Submit(new { command = "true" });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/logs/stream");
        request.Headers.Add("Last-Event-ID", "not-a-position");

        using var response = await jobs.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Last-Event-ID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamOfAnUnknownJob_Is404()
    {
        using var response = await jobs.Http.GetAsync($"/api/jobs/{Guid.NewGuid()}/logs/stream");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Raw_IsTheOutputByteExactAndPagesShowInvalidUtf8Replaced()
    {
        var id = await jobs.Submit(new { command = "printf", args = new[] { "a\\377\\376b\\000c\\n" } });
        await jobs.Output(id);

        using var response = await jobs.Http.GetAsync($"/api/jobs/{id}/logs/raw");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { (byte)'a', 0xFF, 0xFE, (byte)'b', 0, (byte)'c', (byte)'\n' }, bytes);
        Assert.Equal("a\uFFFD\uFFFDb\0c\n", await jobs.Output(id));
    }

    [Fact]
    public async Task PagesByAttemptAndStream_AndCompleteOnceTheAttemptEnded()
    {
        var id = await jobs.Submit(new
        {
            command = "echo attempt $JOBS_ATTEMPT; echo oops >&2; [ \"$JOBS_ATTEMPT\" = 2 ]",
            shell = true,
            retry = new { maxAttempts = 2, initialDelaySeconds = 0 },
        });
        await jobs.WaitTerminal(id);

        var second = await Eventually.Get(
            () => jobs.Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}/logs?attempt=2&stream=stdout"),
            page => page.GetProperty("complete").GetBoolean(),
            TimeSpan.FromSeconds(30),
            "attempt 2's log complete");
        var whole = await Eventually.Get(
            () => jobs.Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}/logs"),
            page => page.GetProperty("complete").GetBoolean(),
            TimeSpan.FromSeconds(30),
            "the job's log complete");

        Assert.Equal("attempt 2\n", string.Concat(second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString())));
        Assert.Equal(4, whole.GetProperty("items").GetArrayLength());
        Assert.Equal([1, 1, 2, 2], whole.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("attempt").GetInt32()));
    }

    [Fact]
    public async Task LogOfARunningJob_IsNotComplete()
    {
        var id = await jobs.Submit(new { command = "echo started; sleep 30", shell = true });
        await Eventually.Get(() => jobs.Logs(id), page => page.GetProperty("items").GetArrayLength() == 1, TimeSpan.FromSeconds(30), "first line");

        Assert.False((await jobs.Logs(id)).GetProperty("complete").GetBoolean());
        using var cancel = await jobs.Http.PostAsync($"/api/jobs/{id}/cancel", null);
    }

    [Fact]
    public async Task LogSinkKilledMidStreamAndRestarted_TheLogHasNoGapAndNoDuplicate()
    {
        var id = await jobs.Submit(new { command = "for i in $(seq 1 300); do echo line $i; sleep 0.02; done", shell = true });
        await Eventually.Get(() => jobs.Logs(id), page => page.GetProperty("items").GetArrayLength() > 0, TimeSpan.FromSeconds(30), "first output stored");

        // While it is down and starting again (seconds), chunks pile up unacknowledged in its queue.
        await fixture.System.Services["logsink"].Kill();
        await fixture.System.StartService("logsink");

        var events = await ServerSentEvents.UntilEnd(jobs.Http, $"/api/jobs/{id}/logs/stream");
        var chunks = events.Where(e => e.Event == "chunk").ToList();
        Assert.Equal(Lines(300), Text(chunks));
        Assert.Equal(Enumerable.Range(0, chunks.Count).Select(seq => $"1.{seq}"), chunks.Select(e => e.Id));
        Assert.Equal(chunks.Count, (await jobs.Get(id)).GetProperty("logChunks").GetInt32());
    }

    [Fact]
    public async Task AChunkStoredAfterALaterOne_IsStillStreamed_InOrder()
    {
        // A job that prints nothing itself; its chunks are stored here as LogSink stores them after a restart, when the
        // redelivered ones come in behind newer ones: seq 0 and 2 first, seq 1 later.
        var id = await jobs.Submit(new { command = "sleep", args = new[] { "60" } });
        await jobs.WaitFor(id, "Running");
        await using var db = fixture.System.Database.CreateDataSource();
        await Store(db, id, 0, "a\n");
        await Store(db, id, 2, "c\n");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = ServerSentEvents.Read(jobs.Http, $"/api/jobs/{id}/logs/stream", cancellationToken: deadline.Token)
            .Where(e => e.Event == "chunk").GetAsyncEnumerator(deadline.Token);
        var ids = new List<string?>();
        Assert.True(await events.MoveNextAsync());
        ids.Add(events.Current.Id);

        await Store(db, id, 1, "b\n");
        // LogSink's notification after its commit, which wakes the stream.
        await using (var notify = db.CreateCommand($"SELECT pg_notify('jobs_log_chunks', '{id}')"))
            await notify.ExecuteNonQueryAsync();
        for (var i = 0; i < 2 && await events.MoveNextAsync(); i++)
            ids.Add(events.Current.Id);

        Assert.Equal(["1.0", "1.1", "1.2"], ids);
        await jobs.Http.PostAsync($"/api/jobs/{id}/cancel", null);
    }

    static async Task Store(Npgsql.NpgsqlDataSource db, Guid jobId, int seq, string text)
    {
        await using var insert = db.CreateCommand("INSERT INTO logs.log_chunks (job_id, attempt, seq, stream, ts, data) VALUES ($1, 1, $2, 1, now(), $3)");
        insert.Parameters.Add(new() { Value = jobId });
        insert.Parameters.Add(new() { Value = seq });
        insert.Parameters.Add(new() { Value = System.Text.Encoding.UTF8.GetBytes(text) });
        await insert.ExecuteNonQueryAsync();
    }

    static string Lines(int count) => string.Concat(Enumerable.Range(1, count).Select(i => $"line {i}\n"));

    static string Text(IEnumerable<ServerSentEvent> events) =>
        string.Concat(events.Where(e => e.Event == "chunk").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));
}
