using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// Bad and hostile input through the gateway: every answer is the exact status with a problem+json body (never a 500 or
/// a hang), what is rejected creates nothing, and what is accepted is stored and run exactly as sent.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class HostileInputTests(SystemFixture fixture)
{
    /// <summary>JobApi's body limit (JsonBody.MaxBytes).</summary>
    const int BodyLimit = 64 * 1024;

    /// <summary>Well past anything this API should take to answer a request that it rejects.</summary>
    static readonly TimeSpan Quickly = TimeSpan.FromSeconds(10);

    readonly HttpClient http = fixture.System.CreateClient();
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    /// <summary>Every C0 control but NUL, DEL, the C1 controls, and the Unicode separators, invisible and direction characters.</summary>
    static readonly string Controls = new string([.. Enumerable.Range(1, 31).Select(c => (char)c)])
        + "\u007f" + new string([.. Enumerable.Range(0x80, 32).Select(c => (char)c)])
        + "\u2028\u2029\ufeff\u200b\u202e\ud83d\ude00";

    static readonly string[] Metacharacters =
    [
        "'; DROP TABLE jobapi.jobs; --",
        "' OR '1'='1",
        "$(id)",
        "$(rm -rf /)",
        "`id`",
        "${PATH}",
        "$HOME",
        "a | cat /etc/passwd",
        "true && false || true",
        "a; b",
        "<in >out 2>&1",
        "*",
        "~root",
        "\\\"",
        "\"",
        "\\",
        "\u201csmart\u201d \u2018quotes\u2019 \u00abguillemets\u00bb",
        "%s%n%x",
        "\\x41\\n",
        "{{.}}",
    ];

    // --- Oversize bodies ---

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenMebibyteBody_Is413AndCreatesNothing(bool chunked)
    {
        var before = await Newest();
        var body = Encoding.UTF8.GetBytes($$"""{"command":"/bin/echo","args":["{{new string('x', 10 * 1024 * 1024)}}"]}""");
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await Timed(() => http.SendAsync(request));

        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await Newest());
    }

    // --- Nesting ---

    [Theory]
    [InlineData(17)]
    [InlineData(10_000)]
    public async Task NestingPastTheDepthLimit_Is400NamingTheBody(int depth)
    {
        var problem = await Post(Nested(depth), HttpStatusCode.BadRequest);

        Assert.Equal(["$"], Fields(problem));
        Assert.StartsWith("Not valid JSON", Messages(problem, "$")[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenThousandNestedObjects_Is400NamingTheBody()
    {
        var body = string.Concat(Enumerable.Repeat("""{"a":""", 10_000)) + "1" + new string('}', 10_000);
        Assert.True(body.Length < BodyLimit);

        var problem = await Post(body, HttpStatusCode.BadRequest);

        Assert.Equal(["$"], Fields(problem));
    }

    [Fact]
    public async Task NestingAtTheDepthLimit_IsParsedAndTheFieldNamed()
    {
        var problem = await Post(Nested(16), HttpStatusCode.BadRequest);

        Assert.Equal(["args[0]"], Fields(problem));
    }

    /// <summary>A job whose args hold arrays, <paramref name="depth"/> containers deep counting the body itself.</summary>
    static string Nested(int depth) =>
        """{"command":"/bin/echo","args":""" + new string('[', depth - 1) + new string(']', depth - 1) + "}";

    // --- Huge collections ---

    [Theory]
    [InlineData("args", 100_000, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("args", 20_000, HttpStatusCode.BadRequest)]
    [InlineData("env", 10_000, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("env", 5_000, HttpStatusCode.BadRequest)]
    [InlineData("executorLabels", 10_000, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("executorLabels", 5_000, HttpStatusCode.BadRequest)]
    public async Task HugeCollection_IsRejectedQuicklyWithOneError(string field, int count, HttpStatusCode expected)
    {
        var items = field == "args"
            ? "[" + string.Join(",", Enumerable.Repeat("\"\"", count)) + "]"
            : "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"V{i}\":\"\"")) + "}";
        var body = $$"""{"command":"/bin/echo","{{field}}":{{items}}}""";
        // The smaller ones fit under the body limit, so it is the field's own limit that rejects them.
        Assert.Equal(expected == HttpStatusCode.RequestEntityTooLarge, Encoding.UTF8.GetByteCount(body) > BodyLimit);
        var before = await Newest();

        var problem = await Post(body, expected);

        if (expected == HttpStatusCode.BadRequest)
            Assert.Equal([field], Fields(problem));
        Assert.Equal(before, await Newest());
    }

    // --- NUL and control characters ---

    [Theory]
    [InlineData("""{"command":"/bin/echo\u0000"}""", "command")]
    [InlineData("""{"command":"\u0000"}""", "command")]
    [InlineData("""{"command":"/bin/echo","args":["ok","a\u0000b"]}""", "args[1]")]
    [InlineData("""{"command":"/bin/echo","env":{"NAME":"a\u0000b"}}""", "env.NAME")]
    [InlineData("""{"command":"/bin/echo","env":{"A\u0000B":"x"}}""", "env.A\0B")]
    [InlineData("""{"command":"/bin/echo","executorLabels":{"zone":"odd\u0000"}}""", "executorLabels.zone")]
    [InlineData("""{"command":"/bin/echo","executorLabels":{"zo\u0000ne":"odd"}}""", "executorLabels.zo\0ne")]
    [InlineData("""{"command":"/bin/echo","pool":"default\u0000"}""", "pool")]
    [InlineData("""{"command":"/bin/echo","executorId":"test-1\u0000"}""", "executorId")]
    [InlineData("""{"command":"/bin/echo","workingDirectory":"/tmp\u0000"}""", "workingDirectory")]
    [InlineData("""{"command":"/bin/echo","pool":"default\u0001"}""", "pool")]
    [InlineData("""{"command":"/bin/echo","pool":"default\n"}""", "pool")]
    [InlineData("""{"command":"/bin/echo","executorId":"test-1\u001b"}""", "executorId")]
    [InlineData("""{"command":"/bin/echo","executorId":"test-1\n"}""", "executorId")]
    [InlineData("""{"command":"/bin/echo","env":{"A\nB":"x"}}""", "env.A\nB")]
    [InlineData("""{"command":"/bin/echo","executorLabels":{"zo\tne":"odd"}}""", "executorLabels.zo\tne")]
    public async Task NulOrControlCharacterWhereNotAllowed_Is400NamingTheField(string body, string field)
    {
        var before = await Newest();

        var problem = await Post(body, HttpStatusCode.BadRequest);

        Assert.Equal([field], Fields(problem));
        Assert.Equal(before, await Newest());
    }

    [Fact]
    public async Task ControlCharactersInArgsAndEnv_AreStoredAndPassedVerbatim()
    {
        string[] args = [Controls, "\r\n\t", "x"];

        var echo = await jobs.Submit(new { command = "/bin/echo", args, env = new Dictionary<string, string> { ["CONTROLS"] = Controls } });
        var printenv = await jobs.Submit(new { command = "/usr/bin/printenv", args = new[] { "CONTROLS" }, env = new Dictionary<string, string> { ["CONTROLS"] = Controls } });

        var job = await jobs.Get(echo);
        Assert.Equal(args, Strings(job.GetProperty("args")));
        AssertSameBytes(Controls, job.GetProperty("env").GetProperty("CONTROLS").GetString());
        AssertSameBytes(string.Join(' ', args) + "\n", await jobs.Output(echo));
        AssertSameBytes(Controls + "\n", await jobs.Output(printenv));
    }

    [Fact]
    public async Task ControlCharactersInCommandAndLabelValues_AreStoredVerbatim()
    {
        var command = "/bin/echo" + Controls;
        // No executor has this label, so the job waits: it is canceled once read back.
        var id = await jobs.Submit(new { command, executorLabels = new Dictionary<string, string> { ["hostile"] = Controls } });

        var job = await jobs.Get(id);
        AssertSameBytes(command, job.GetProperty("command").GetString());
        AssertSameBytes(Controls, job.GetProperty("executorLabels").GetProperty("hostile").GetString());
        await Cancel(id);
    }

    // --- Invalid UTF-8 ---

    public static TheoryData<string, string> InvalidUtf8()
    {
        string[] sequences = ["C3 28", "FF", "FE", "80", "C0 AF", "C1 BF", "E0 80 AF", "F0 80 80 AF", "ED A0 80", "F4 90 80 80", "E2 82", "F8 88 80 80 80"];
        string[] places = ["command", "args", "env value", "env name", "label value", "field name"];
        var data = new TheoryData<string, string>();
        foreach (var sequence in sequences)
            foreach (var place in places)
                data.Add(sequence, place);
        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task InvalidUtf8_Is400(string hex, string place)
    {
        var bad = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var (before, after) = place switch
        {
            "command" => ("""{"command":"/bin/echo""", "\"}"),
            "args" => ("""{"command":"/bin/echo","args":["a""", "\"]}"),
            "env value" => ("""{"command":"/bin/echo","env":{"NAME":"a""", "\"}}"),
            "env name" => ("""{"command":"/bin/echo","env":{"NA""", "ME\":\"a\"}}"),
            "label value" => ("""{"command":"/bin/echo","executorLabels":{"zone":"odd""", "\"}}"),
            _ => ("""{"command":"/bin/echo",""", "\":1}"),
        };
        if (place == "field name")
            before += "\"";
        var newest = await Newest();

        var problem = await Post([.. Encoding.ASCII.GetBytes(before), .. bad, .. Encoding.ASCII.GetBytes(after)], "application/json", HttpStatusCode.BadRequest);

        Assert.Equal(["$"], Fields(problem));
        Assert.Equal(newest, await Newest());
    }

    [Theory]
    [InlineData("""{"command":"/bin/echo\ud800"}""")]
    [InlineData("""{"command":"/bin/echo\udc00"}""")]
    [InlineData("""{"command":"/bin/echo\ud800\u0041"}""")]
    [InlineData("""{"command":"/bin/echo\ude00\ud83d"}""")]
    [InlineData("""{"command":"/bin/echo","args":["\ud800"]}""")]
    [InlineData("""{"command":"/bin/echo","env":{"NAME":"\udfff"}}""")]
    [InlineData("""{"command":"/bin/echo","env":{"NA\ud800ME":"x"}}""")]
    [InlineData("""{"command":"/bin/echo","executorLabels":{"zone":"\ud800"}}""")]
    [InlineData("""{"command":"/bin/echo","\ud800":1}""")]
    public async Task LoneSurrogateEscape_Is400(string body)
    {
        var before = await Newest();

        var problem = await Post(body, HttpStatusCode.BadRequest);

        Assert.Equal(["$"], Fields(problem));
        Assert.Equal(before, await Newest());
    }

    [Fact]
    public async Task ByteOrderMark_Is400()
    {
        var problem = await Post([0xEF, 0xBB, 0xBF, .. """{"command":"/bin/echo"}"""u8], "application/json", HttpStatusCode.BadRequest);

        Assert.Equal(["$"], Fields(problem));
    }

    // --- SQL and shell metacharacters ---

    [Fact]
    public async Task MetacharactersInArgs_AreStoredAndPassedLiterallyWithoutAShell()
    {
        var id = await jobs.Submit(new { command = "/bin/echo", args = new[] { "$(id)", "'; DROP TABLE x; --" } });

        Assert.Equal(["$(id)", "'; DROP TABLE x; --"], Strings((await jobs.Get(id)).GetProperty("args")));
        Assert.Equal("$(id) '; DROP TABLE x; --\n", await jobs.Output(id));
    }

    [Fact]
    public async Task MetacharactersEverywhere_AreStoredAndRunLiterally_AndTheListStillWorks()
    {
        var env = Metacharacters.Select((value, i) => (Name: $"M{i}", Value: value)).ToDictionary(v => v.Name, v => v.Value);
        var labels = Metacharacters.Select((value, i) => (Name: $"m{i}", Value: value)).ToDictionary(v => v.Name, v => v.Value);

        var echo = await jobs.Submit(new { command = "/bin/echo", args = Metacharacters, env });
        var printenv = await jobs.Submit(new { command = "/usr/bin/printenv", args = env.Keys.ToArray(), env });
        // No executor has these labels, so the job waits: it is canceled once read back.
        var unplaceable = await jobs.Submit(new { command = "/bin/echo", args = Metacharacters, executorLabels = labels });

        var job = await jobs.Get(echo);
        Assert.Equal(Metacharacters, Strings(job.GetProperty("args")));
        Assert.Equal(env, job.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        Assert.Equal(labels, (await jobs.Get(unplaceable)).GetProperty("executorLabels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));

        Assert.Equal(string.Join(' ', Metacharacters) + "\n", await jobs.Output(echo));
        Assert.Equal(string.Concat(Metacharacters.Select(m => m + "\n")), await jobs.Output(printenv));
        Assert.Equal("Succeeded", (await jobs.Get(echo)).GetProperty("status").GetString());
        await Cancel(unplaceable);

        var listed = await jobs.List(10);
        Assert.Contains(echo, listed.Keys);
        Assert.Contains(printenv, listed.Keys);
        Assert.Contains(unplaceable, listed.Keys);
    }

    [Theory]
    [InlineData("env", "'; DROP TABLE jobapi.jobs; --")]
    [InlineData("env", "$(rm -rf /)")]
    [InlineData("env", "A=B")]
    [InlineData("env", "A B")]
    [InlineData("env", "`id`")]
    [InlineData("executorLabels", "'; DROP TABLE jobapi.jobs; --")]
    [InlineData("executorLabels", "$(id)")]
    public async Task MetacharactersInNames_Are400NamingTheField(string field, string name)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["command"] = "/bin/echo",
            [field] = new Dictionary<string, string> { [name] = "x" },
        });

        var problem = await Post(body, HttpStatusCode.BadRequest);

        Assert.Equal([$"{field}.{name}"], Fields(problem));
    }

    // --- Not a JSON object ---

    [Theory]
    [InlineData("text/plain", """{"command":"/bin/echo"}""", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/xml", "<command>/bin/echo</command>", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"command\"\r\n\r\necho\r\n--x--\r\n", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/x-www-form-urlencoded", "command=%2Fbin%2Fecho", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, """{"command":"/bin/echo"}""", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json", "", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "   \r\n ", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "null", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "\"/bin/echo\"", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "42", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "-1e999", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "true", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "[{\"command\":\"/bin/echo\"}]", HttpStatusCode.BadRequest)]
    [InlineData("application/json", """{"command":"/bin/echo"} {}""", HttpStatusCode.BadRequest)]
    [InlineData("application/json", """{"command":"/bin/echo",}""", HttpStatusCode.BadRequest)]
    [InlineData("application/json", """{'command':'/bin/echo'}""", HttpStatusCode.BadRequest)]
    [InlineData("application/json", """{"command":"/bin/echo" /* comment */}""", HttpStatusCode.BadRequest)]
    [InlineData("application/json; charset=utf-8", "null", HttpStatusCode.BadRequest)]
    public async Task NotAJsonObject_IsRejectedNamingTheBody(string? contentType, string body, HttpStatusCode expected)
    {
        var before = await Newest();

        var problem = await Post(Encoding.UTF8.GetBytes(body), contentType, expected);

        if (expected == HttpStatusCode.BadRequest)
            Assert.Equal(["$"], Fields(problem));
        Assert.Equal(before, await Newest());
    }

    [Fact]
    public async Task Utf16Body_Is400()
    {
        var problem = await Post(Encoding.Unicode.GetBytes("""{"command":"/bin/echo"}"""), "application/json; charset=utf-16", HttpStatusCode.BadRequest);

        Assert.Equal(["$"], Fields(problem));
    }

    // --- Query strings and paths ---

    [Theory]
    [InlineData("/api/jobs?limit=abc", "limit")]
    [InlineData("/api/jobs?limit=-1", "limit")]
    [InlineData("/api/jobs?limit=99999999999", "limit")]
    [InlineData("/api/jobs?limit=1.5", "limit")]
    [InlineData("/api/jobs?limit=%00", "limit")]
    [InlineData("/api/jobs?limit=1&limit=2", "limit")]
    [InlineData("/api/jobs?cursor=%00", "cursor")]
    [InlineData("/api/jobs?cursor=%27%20OR%20%271%27%3D%271", "cursor")]
    [InlineData("/api/jobs?cursor=%F0%9F%98%80", "cursor")]
    [InlineData("/api/jobs?cursor=%FF", "cursor")]
    [InlineData("/api/jobs/{job}/logs?attempt=abc", "attempt")]
    [InlineData("/api/jobs/{job}/logs?attempt=0", "attempt")]
    [InlineData("/api/jobs/{job}/logs?offset=abc", "offset")]
    [InlineData("/api/jobs/{job}/logs?limit=%27", "limit")]
    [InlineData("/api/jobs/{job}/logs?stream=../../etc", "stream")]
    [InlineData("/api/jobs/{job}/logs?stream=%00", "stream")]
    [InlineData("/api/jobs/{job}/logs/raw?attempt=abc", "attempt")]
    [InlineData("/api/jobs/{job}/logs/raw?stream=../../etc/passwd", "stream")]
    [InlineData("/api/jobs/{job}/logs/stream?attempt=abc", "attempt")]
    [InlineData("/api/jobs/{job}/logs/stream?stream=../../etc", "stream")]
    [InlineData("/api/jobs/{job}/logs/stream?lastEventId=../../etc", "Last-Event-ID")]
    public async Task BadQueryParameter_Is400NamingTheParameter(string path, string parameter)
    {
        var problem = await Get(path.Replace("{job}", Guid.NewGuid().ToString(), StringComparison.Ordinal), HttpStatusCode.BadRequest);

        Assert.Equal([parameter], Fields(problem));
    }

    [Fact]
    public async Task CursorOfSixKilobytes_Is400NamingTheCursor()
    {
        var problem = await Get($"/api/jobs?cursor={new string('A', 6 * 1024)}", HttpStatusCode.BadRequest);

        Assert.Equal(["cursor"], Fields(problem));
    }

    /// <summary>
    /// Requests Kestrel refuses while parsing them, before any middleware runs: its own bare 4xx, which no application
    /// code can turn into a problem. A request line past 8 KiB is a 414; a NUL decoded from the path is a 400.
    /// </summary>
    [Theory]
    [InlineData("/api/jobs?cursor={100 KiB}", HttpStatusCode.RequestUriTooLong)]
    [InlineData("/api/jobs/{100 KiB}", HttpStatusCode.RequestUriTooLong)]
    [InlineData("/api/jobs/%00", HttpStatusCode.BadRequest)]
    [InlineData("/api/jobs/a%00b/logs", HttpStatusCode.BadRequest)]
    public async Task RequestKestrelRefuses_IsItsBare4xx(string path, HttpStatusCode expected)
    {
        using var response = await Timed(() => http.GetAsync(path.Replace("{100 KiB}", new string('A', 100 * 1024), StringComparison.Ordinal)));

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("GET", "/api/jobs/not-a-guid")]
    [InlineData("GET", "/api/jobs/%27%20OR%201%3D1%20--")]
    [InlineData("GET", "/api/jobs/not-a-guid/logs")]
    [InlineData("GET", "/api/jobs/not-a-guid/logs/raw")]
    [InlineData("GET", "/api/jobs/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("POST", "/api/jobs/not-a-guid/cancel")]
    [InlineData("POST", "/api/executors/%27%3B%20DROP%20TABLE%20x%3B%20--/drain")]
    [InlineData("POST", "/api/executors/%24(id)/resume")]
    public async Task HostilePath_Is404(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await Timed(() => http.SendAsync(request));

        await AssertProblem(response, HttpStatusCode.NotFound);
    }

    // --- Helpers ---

    async Task Cancel(Guid id)
    {
        using var response = await http.PostAsync($"/api/jobs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await jobs.WaitFor(id, "Canceled");
    }

    async Task<string?> Newest()
    {
        var page = await http.GetFromJsonAsync<JsonElement>("/api/jobs?limit=1");
        return page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()).FirstOrDefault();
    }

    Task<JsonElement> Post(string body, HttpStatusCode expected) => Post(Encoding.UTF8.GetBytes(body), "application/json", expected);

    async Task<JsonElement> Post(byte[] body, string? contentType, HttpStatusCode expected)
    {
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await Timed(() => http.PostAsync("/api/jobs", content));
        return await AssertProblem(response, expected);
    }

    async Task<JsonElement> Get(string path, HttpStatusCode expected)
    {
        using var response = await Timed(() => http.GetAsync(path));
        return await AssertProblem(response, expected);
    }

    static async Task<HttpResponseMessage> Timed(Func<Task<HttpResponseMessage>> send)
    {
        var stopwatch = Stopwatch.StartNew();
        var response = await send();
        Assert.True(stopwatch.Elapsed < Quickly, $"The answer ({(int)response.StatusCode}) took {stopwatch.Elapsed.TotalSeconds:0.0} s.");
        return response;
    }

    static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    static string[] Fields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateObject().Select(p => p.Name)] : [];

    static string[] Messages(JsonElement problem, string field) =>
        [.. problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()!)];

    static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(s => s.GetString()!)];

    static void AssertSameBytes(string expected, string? actual) =>
        Assert.Equal(Convert.ToHexString(Encoding.UTF8.GetBytes(expected)), Convert.ToHexString(Encoding.UTF8.GetBytes(actual ?? "")));
}
