using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>The public API as a test uses it, through the gateway.</summary>
public sealed class JobsClient(HttpClient http, JobsSystem system)
{
    /// <summary>The statuses a job never leaves.</summary>
    public static readonly string[] Terminal = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];

    public HttpClient Http => http;

    public async Task<Guid> Submit(object spec)
    {
        using var response = await http.PostAsJsonAsync("/api/jobs", spec);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        var id = json.RootElement.GetProperty("id").GetGuid();
        Assert.Equal($"/api/jobs/{id}", response.Headers.Location?.OriginalString);
        return id;
    }

    public async Task<JsonElement> Get(Guid id)
    {
        using var response = await http.GetAsync($"/api/jobs/{id}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    public Task<JsonElement> WaitTerminal(Guid id, TimeSpan? timeout = null) => WaitUntil(
        id, job => Terminal.Contains(job.GetProperty("status").GetString()), timeout);

    /// <summary>Waits until the job has one of <paramref name="statuses"/>.</summary>
    public Task<JsonElement> WaitFor(Guid id, params string[] statuses) =>
        WaitUntil(id, job => statuses.Contains(job.GetProperty("status").GetString()));

    public Task<JsonElement> WaitUntil(Guid id, Func<JsonElement, bool> done, TimeSpan? timeout = null) => Eventually.Get(
        () => Get(id),
        done,
        timeout ?? TimeSpan.FromSeconds(90),
        $"job {id}\n{system.Logs()}");

    /// <summary>The newest <paramref name="limit"/> jobs' statuses by id.</summary>
    public async Task<Dictionary<Guid, string>> List(int limit)
    {
        var page = await http.GetFromJsonAsync<JsonElement>($"/api/jobs?limit={limit}");
        return page.GetProperty("items").EnumerateArray()
            .ToDictionary(j => j.GetProperty("id").GetGuid(), j => j.GetProperty("status").GetString()!);
    }

    public async Task<JsonElement> Logs(Guid id, int offset = 0, int limit = 1000)
    {
        using var response = await http.GetAsync($"/api/jobs/{id}/logs?offset={offset}&limit={limit}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    /// <summary>Waits until the job has ended and every chunk of every attempt is stored (the log says complete), then returns the whole output.</summary>
    public async Task<string> Output(Guid id)
    {
        await WaitTerminal(id);
        var page = await Eventually.Get(
            () => Logs(id),
            logs => logs.GetProperty("complete").GetBoolean(),
            TimeSpan.FromSeconds(30),
            $"the log of job {id} complete");
        return string.Concat(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()));
    }
}
