using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Jobs.EndToEnd.Tests;

/// <summary>Reading jobs and logs: paging edges, unknown ids and bad parameters.</summary>
[Collection(SystemCollection.Name)]
public sealed class QueryTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task UnknownJob_Is404ForJobAndLogs()
    {
        var id = Guid.NewGuid();

        await AssertStatus($"/api/jobs/{id}", HttpStatusCode.NotFound);
        await AssertStatus($"/api/jobs/{id}/logs", HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("offset=-1", "offset")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=-5", "limit")]
    [InlineData("attempt=0", "attempt")]
    [InlineData("stream=stdin", "stream")]
    public async Task BadLogPaging_Is400NamingTheParameter(string query, string field)
    {
        var id = await jobs.Submit(new { command = "true" });

        var problem = await AssertStatus($"/api/jobs/{id}/logs?{query}", HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task NonNumericLogOffset_Is400()
    {
        var id = await jobs.Submit(new { command = "true" });

        var problem = await AssertStatus($"/api/jobs/{id}/logs?offset=abc", HttpStatusCode.BadRequest);

        Assert.Equal(["Must be a whole number."], problem.GetProperty("errors").GetProperty("offset").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task LogPaging_WalksTheOutputInOrderToThePastTheEndPage()
    {
        // Ten pieces of output, each flushed by the pause after it.
        var id = await jobs.Submit(new { command = "for n in 0 1 2 3 4 5 6 7 8 9; do echo piece-$n; sleep 0.3; done", shell = true });
        var whole = await jobs.Output(id);
        var total = (await jobs.Get(id)).GetProperty("logChunks").GetInt32();
        Assert.True(total >= 5, $"expected the pauses to cut several chunks, got {total}");

        var text = "";
        var offset = 0;
        var seqs = new List<int>();
        while (true)
        {
            var page = await jobs.Logs(id, offset, limit: 3);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(offset + items.Count, page.GetProperty("nextOffset").GetInt32());
            if (items.Count == 0)
                break;
            Assert.True(items.Count <= 3);
            seqs.AddRange(items.Select(i => i.GetProperty("seq").GetInt32()));
            text += string.Concat(items.Select(i => i.GetProperty("text").GetString()));
            offset = page.GetProperty("nextOffset").GetInt32();
        }

        Assert.Equal(Enumerable.Range(0, total), seqs);
        Assert.Equal(whole, text);
        Assert.Equal(string.Concat(Enumerable.Range(0, 10).Select(n => $"piece-{n}\n")), text);
        Assert.Empty((await jobs.Logs(id, offset: 100_000, limit: 1000)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task JobList_IsNewestFirstAndTheCursorReadsOnWithoutGapsOrRepeats()
    {
        var submitted = new List<Guid>();
        for (var i = 0; i < 5; i++)
            submitted.Add(await jobs.Submit(new { command = "true" }));

        var first = await jobs.Http.GetFromJsonAsync<JsonElement>("/api/jobs?limit=3");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await jobs.Http.GetFromJsonAsync<JsonElement>($"/api/jobs?limit=2&cursor={cursor}");

        var ids = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(j => j.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(Enumerable.Reverse(submitted), ids);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=AAAA", "cursor")]
    public async Task BadListParameters_Are400NamingTheParameter(string query, string field)
    {
        var problem = await AssertStatus($"/api/jobs?{query}", HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task NotAGuid_Is404()
    {
        await AssertStatus("/api/jobs/not-a-guid", HttpStatusCode.NotFound);
    }

    async Task<JsonElement> AssertStatus(string path, HttpStatusCode expected)
    {
        using var response = await jobs.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
