using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>Retries with backoff, timeouts, cancellation and idempotent submits, through the whole system.</summary>
[Collection(SystemCollection.Name)]
public sealed class LifecycleTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task FailingTwiceThenSucceeding_TakesThreeAttemptsSpacedByTheBackoff()
    {
        var counter = Path.Combine(Path.GetTempPath(), $"jobs-e2e-{Guid.NewGuid():N}");
        var id = await jobs.Submit(new
        {
            command = $"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; echo attempt-$n; [ $n -ge 3 ]",
            shell = true,
            retry = new { maxAttempts = 3, initialDelaySeconds = 1, backoffMultiplier = 2, jitter = 0 },
        });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        var attempts = job.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(["Failed", "Failed", "Succeeded"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("number").GetInt32()));
        AssertDelay(attempts[0], attempts[1], TimeSpan.FromSeconds(1));
        AssertDelay(attempts[1], attempts[2], TimeSpan.FromSeconds(2));
        File.Delete(counter);
    }

    [Fact]
    public async Task RetriesExhausted_FailsAfterMaxAttempts()
    {
        var id = await jobs.Submit(new { command = "exit 7", shell = true, retry = new { maxAttempts = 2, initialDelaySeconds = 0.2 } });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Failed", job.GetProperty("status").GetString());
        Assert.Equal(7, job.GetProperty("exitCode").GetInt32());
        Assert.Equal(2, job.GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task WhileRetrying_TheNextAttemptTimeIsShown()
    {
        var id = await jobs.Submit(new { command = "exit 1", shell = true, retry = new { maxAttempts = 2, initialDelaySeconds = 30, jitter = 0 } });

        var job = await jobs.WaitFor(id, "Retrying");

        var due = job.GetProperty("nextAttemptAt").GetDateTimeOffset();
        var failedAt = job.GetProperty("attempts")[0].GetProperty("finishedAt").GetDateTimeOffset();
        Assert.InRange(due - failedAt, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(32));
        await Cancel(id, HttpStatusCode.Accepted);
        Assert.Equal("Canceled", (await jobs.WaitTerminal(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Timeout_KillsTheProcessAndItsChildren()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"jobs-e2e-{Guid.NewGuid():N}");
        var id = await jobs.Submit(new
        {
            command = $"sleep 600 & echo $! > {pids}; sleep 600",
            shell = true,
            timeoutSeconds = 1,
            retry = new { maxAttempts = 1 },
        });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("TimedOut", job.GetProperty("status").GetString());
        var attempt = job.GetProperty("attempts")[0];
        Assert.Equal("TimedOut", attempt.GetProperty("outcome").GetString());
        Assert.Equal(15, attempt.GetProperty("signal").GetInt32());
        var child = int.Parse(File.ReadAllText(pids).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.Get(() => Task.FromResult(IsAlive(child)), alive => !alive, TimeSpan.FromSeconds(10), $"the job's child {child} to be gone");
        File.Delete(pids);
    }

    [Fact]
    public async Task CancelRunning_StopsTheProcessGroupAndEndsCanceled()
    {
        var id = await jobs.Submit(new { command = "sleep", args = new[] { "600" } });
        await jobs.WaitFor(id, "Running");

        var answer = await Cancel(id, HttpStatusCode.Accepted);

        Assert.Contains(answer.GetProperty("status").GetString(), new[] { "Canceling", "Canceled" });
        var job = await jobs.WaitTerminal(id);
        Assert.Equal("Canceled", job.GetProperty("status").GetString());
        Assert.Equal("Canceled", job.GetProperty("attempts")[0].GetProperty("outcome").GetString());
        Assert.Equal(15, job.GetProperty("attempts")[0].GetProperty("signal").GetInt32());
    }

    [Fact]
    public async Task CancelPending_EndsCanceledAtOnce()
    {
        // No executor has this id, so the job waits in Pending.
        var id = await jobs.Submit(new { command = "true", executorId = "no-such-executor" });

        var answer = await Cancel(id, HttpStatusCode.Accepted);

        Assert.Equal("Canceled", answer.GetProperty("status").GetString());
        Assert.Equal("Canceled", (await jobs.Get(id)).GetProperty("status").GetString());
        Assert.Empty((await jobs.Get(id)).GetProperty("attempts").EnumerateArray());
    }

    [Fact]
    public async Task TargetNoExecutorMatches_IsAcceptedAndWaitsSayingWhy()
    {
        var unknown = await jobs.Submit(new { command = "true", executorId = "no-such-executor" });
        var unlabelled = await jobs.Submit(new { command = "true", executorLabels = new Dictionary<string, string> { ["zone"] = "mars" } });
        var noPool = await jobs.Submit(new { command = "true", pool = "nowhere" });

        Assert.Equal("No executor 'no-such-executor' is registered.", await DetailOf(unknown));
        Assert.Equal("No executor in pool 'default' carries zone=mars.", await DetailOf(unlabelled));
        Assert.Equal("No executor is registered in pool 'nowhere'.", await DetailOf(noPool));
        foreach (var id in new[] { unknown, unlabelled, noPool })
            await Cancel(id, HttpStatusCode.Accepted);
    }

    async Task<string?> DetailOf(Guid id)
    {
        var job = await Eventually.Get(
            () => jobs.Get(id),
            j => j.GetProperty("statusDetail").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(30),
            $"a status detail on job {id}");
        Assert.Equal("Pending", job.GetProperty("status").GetString());
        return job.GetProperty("statusDetail").GetString();
    }

    [Fact]
    public async Task CancelTwice_IsAcceptedOnceAndThenAConflict()
    {
        var id = await jobs.Submit(new { command = "true", executorId = "no-such-executor" });
        await Cancel(id, HttpStatusCode.Accepted);

        var problem = await Cancel(id, HttpStatusCode.Conflict);

        Assert.Contains("Canceled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelFinished_Is409()
    {
        var id = await jobs.Submit(new { command = "true" });
        await jobs.WaitTerminal(id);

        await Cancel(id, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task CancelUnknown_Is404()
    {
        await Cancel(Guid.NewGuid(), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CancelRacingCompletion_EndsInExactlyOneTerminalState()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => jobs.Submit(new { command = "sleep", args = new[] { "0.2" } })));
        foreach (var id in ids)
            await jobs.WaitFor(id, ["Running", .. JobsClient.Terminal]);

        var answers = await Task.WhenAll(ids.Select(async id =>
        {
            using var response = await jobs.Http.PostAsync($"/api/jobs/{id}/cancel", null);
            return response.StatusCode;
        }));

        Assert.All(answers, status => Assert.Contains(status, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
        foreach (var id in ids)
        {
            var job = await jobs.WaitTerminal(id);
            Assert.Contains(job.GetProperty("status").GetString(), new[] { "Succeeded", "Canceled" });
            Assert.Single(job.GetProperty("attempts").EnumerateArray());
        }
    }

    [Fact]
    public async Task ExecutorLabels_PlaceTheJobOnlyOnAnExecutorCarryingThem()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            jobs.Submit(new { command = "true", executorLabels = new Dictionary<string, string> { ["zone"] = "even" } })));

        foreach (var id in ids)
            Assert.Equal("test-2", (await jobs.WaitTerminal(id)).GetProperty("executorId").GetString());
    }

    [Fact]
    public async Task ExecutorLabelsNobodyCarries_WaitPending()
    {
        var id = await jobs.Submit(new { command = "true", executorLabels = new Dictionary<string, string> { ["zone"] = "mars" }, queueTimeoutSeconds = 3 });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("TimedOut", job.GetProperty("status").GetString());
        Assert.Empty(job.GetProperty("attempts").EnumerateArray());
    }

    [Fact]
    public async Task FiftyConcurrentSubmitsWithOneIdempotencyKey_MakeOneJob()
    {
        var key = $"key-{Guid.NewGuid():N}";
        var body = JsonSerializer.Serialize(new { command = "echo", args = new[] { "once" } });

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await jobs.Http.SendAsync(request);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (response.StatusCode, Id: json.GetProperty("id").GetGuid());
        }));

        Assert.Single(answers.Select(a => a.Id).Distinct());
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal("once\n", await jobs.Output(answers[0].Id));
    }

    [Fact]
    public async Task IdempotencyKeyWithAnotherBody_Is409()
    {
        var key = $"key-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, await SubmitWithKey(key, """{"command": "true"}"""));

        Assert.Equal(HttpStatusCode.Conflict, await SubmitWithKey(key, """{"command": "false"}"""));
    }

    [Fact]
    public async Task BadIdempotencyKey_Is400()
    {
        Assert.Equal(HttpStatusCode.BadRequest, await SubmitWithKey(new string('k', 300), """{"command": "true"}"""));
    }

    async Task<HttpStatusCode> SubmitWithKey(string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await jobs.Http.SendAsync(request);
        return response.StatusCode;
    }

    async Task<JsonElement> Cancel(Guid id, HttpStatusCode expected)
    {
        using var response = await jobs.Http.PostAsync($"/api/jobs/{id}/cancel", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    static void AssertDelay(JsonElement previous, JsonElement next, TimeSpan delay)
    {
        var waited = next.GetProperty("assignedAt").GetDateTimeOffset() - previous.GetProperty("finishedAt").GetDateTimeOffset();
        Assert.InRange(waited, delay - TimeSpan.FromMilliseconds(100), delay + TimeSpan.FromSeconds(3));
    }

    static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Trim()[0] != 'Z';
}
