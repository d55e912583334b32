using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Jobs.EndToEnd.Tests;

/// <summary>Bad submissions through the gateway get a problem+json that names the field, and create nothing.</summary>
[Collection(SystemCollection.Name)]
public sealed class SubmitValidationTests(SystemFixture fixture)
{
    readonly HttpClient http = fixture.System.CreateClient();

    [Theory]
    [InlineData("{}", "command", "Required.")]
    [InlineData("""{"command": null}""", "command", "Required.")]
    [InlineData("""{"command": ""}""", "command", "Must not be empty.")]
    [InlineData("""{"command": "   "}""", "command", "Must not be empty.")]
    [InlineData("""{"command": 42}""", "command", "Must be a string, not a number.")]
    [InlineData("""{"command": ["echo"]}""", "command", "Must be a string, not an array.")]
    [InlineData("""{"command": "echo", "args": "hello"}""", "args", "Must be an array of strings, not a string.")]
    [InlineData("""{"command": "echo", "args": ["a", 1]}""", "args[1]", "Must be a string, not a number.")]
    [InlineData("""{"command": "echo", "args": [null]}""", "args[0]", "Must be a string, not null.")]
    [InlineData("""{"command": "echo", "shell": "yes"}""", "shell", "Must be true or false, not a string.")]
    [InlineData("""{"command": "echo", "pool": "Not A Pool"}""", "pool", "Must be 1 to 64 lowercase letters, digits or dashes.")]
    [InlineData("""{"command": "echo", "comand": "typo"}""", "comand", "Unknown field. Known fields: command, args, shell, template, parameters, pool, env, workingDirectory, outputCapBytes, resources, executorId, executorLabels, priority, timeoutSeconds, queueTimeoutSeconds, cancelGraceSeconds, retry.")]
    [InlineData("""[]""", "$", "The body must be a JSON object.")]
    [InlineData("""{"command": "true", "timeoutSeconds": 0}""", "timeoutSeconds", "Must be a whole number from 1 to 604800.")]
    [InlineData("""{"command": "true", "timeoutSeconds": 1.5}""", "timeoutSeconds", "Must be a whole number from 1 to 604800.")]
    [InlineData("""{"command": "true", "queueTimeoutSeconds": "soon"}""", "queueTimeoutSeconds", "Must be a whole number from 1 to 604800.")]
    [InlineData("""{"command": "true", "env": ["A=1"]}""", "env", "Must be an object of variable names to values, not an array.")]
    [InlineData("""{"command": "true", "env": {"1BAD": "x"}}""", "env.1BAD", "Variable names are letters, digits and underscores, not starting with a digit.")]
    [InlineData("""{"command": "true", "env": {"GOOD": 1}}""", "env.GOOD", "Must be a string of at most 32768 characters without NUL.")]
    [InlineData("""{"command": "true", "workingDirectory": "relative/dir"}""", "workingDirectory", "Must be an absolute path (starting with /) of at most 4096 characters.")]
    [InlineData("""{"command": "true", "outputCapBytes": -1}""", "outputCapBytes", "Must be a whole number from 0 to 10737418240.")]
    [InlineData("""{"command": "true", "priority": 5000}""", "priority", "Must be a whole number from -1000 to 1000.")]
    [InlineData("""{"command": "true", "executorLabels": ["gpu"]}""", "executorLabels", "Must be an object of label names to values, not an array.")]
    [InlineData("""{"command": "true", "executorLabels": {"gpu": true}}""", "executorLabels.gpu", "Must be a string of at most 256 characters.")]
    [InlineData("""{"command": "true", "executorLabels": {"bad name": "x"}}""", "executorLabels.bad name", "Label names are 1 to 63 letters, digits, dots, dashes or underscores.")]
    [InlineData("""{"command": "true", "cancelGraceSeconds": -1}""", "cancelGraceSeconds", "Must be a whole number from 0 to 3600.")]
    [InlineData("""{"command": "true", "retry": 3}""", "retry", "Must be an object, not a number.")]
    [InlineData("""{"command": "true", "retry": {"maxAttempts": 0}}""", "retry.maxAttempts", "Must be a whole number from 1 to 100.")]
    [InlineData("""{"command": "true", "retry": {"backoffMultiplier": 0.5}}""", "retry.backoffMultiplier", "Must be a number from 1 to 100.")]
    [InlineData("""{"command": "true", "retry": {"jitter": 2}}""", "retry.jitter", "Must be a number from 0 to 1.")]
    [InlineData("""{"command": "true", "retry": {"retryOn": ["exitCode", "sometimes"]}}""", "retry.retryOn[1]", "Must be one of: exitCode, timeout, lost, rejected.")]
    [InlineData("""{"command": "true", "retry": {"tries": 2}}""", "retry.tries", "Unknown field. Known fields: maxAttempts, initialDelaySeconds, backoffMultiplier, maxDelaySeconds, jitter, retryOn.")]
    [InlineData("""{"command": "true", "executorId": "Has Spaces"}""", "executorId", "Must be 1 to 128 lowercase letters, digits, dots, dashes or underscores.")]
    [InlineData("""{"command": "echo\u0000"}""", "command", "Must not contain NUL characters.")]
    [InlineData("""{"command": "true", "resources": 512}""", "resources", "Must be an object, not a number.")]
    [InlineData("""{"command": "true", "resources": {"memoryMb": 2}}""", "resources.memoryMb", "Must be a whole number from 4 to 1048576.")]
    [InlineData("""{"command": "true", "resources": {"cpuPercent": 0}}""", "resources.cpuPercent", "Must be a whole number from 1 to 100000.")]
    [InlineData("""{"command": "true", "resources": {"pids": "many"}}""", "resources.pids", "Must be a whole number from 1 to 1000000.")]
    [InlineData("""{"command": "true", "resources": {"ioBytesPerSecond": -5}}""", "resources.ioBytesPerSecond", "Must be a whole number of at least 1.")]
    [InlineData("""{"command": "true", "resources": {"memory": 64}}""", "resources.memory", "Unknown field. Known fields: cpuPercent, memoryMb, ioBytesPerSecond, pids.")]
    public async Task InvalidField_Is400NamingTheField(string body, string field, string message)
    {
        var problem = await Post(body, HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in {problem}");
        Assert.Contains(message, messages.EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task SeveralMistakes_AreAllReported()
    {
        var problem = await Post("""{"command": 1, "args": {}, "extra": true}""", HttpStatusCode.BadRequest);

        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(["args", "command", "extra"], fields.Order());
    }

    [Fact]
    public async Task EmptyBody_Is400()
    {
        var problem = await Post("", HttpStatusCode.BadRequest);

        Assert.Contains("empty", problem.GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_Is400()
    {
        var problem = await Post("""{"command": "echo",""", HttpStatusCode.BadRequest);

        Assert.StartsWith("Not valid JSON", problem.GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneMegabyteBody_Is413()
    {
        var body = JsonSerializer.Serialize(new { command = "echo", args = new[] { new string('x', 1024 * 1024) } });

        var problem = await Post(body, HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(413, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task OneMegabyteChunkedBody_Is413()
    {
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(new { command = "echo", args = new[] { new string('x', 1024 * 1024) } }))));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request);

        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task NotJson_Is415()
    {
        using var content = new StringContent("command=echo", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await http.PostAsync("/api/jobs", content);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task RejectedSubmissions_CreateNoJob()
    {
        var before = await Newest();
        await Post("""{"command": 1}""", HttpStatusCode.BadRequest);
        await Post("", HttpStatusCode.BadRequest);

        Assert.Equal(before, await Newest());
    }

    async Task<string?> Newest()
    {
        var page = await http.GetFromJsonAsync<JsonElement>("/api/jobs?limit=1");
        return page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()).FirstOrDefault();
    }

    async Task<JsonElement> Post(string body, HttpStatusCode expected)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/jobs", content);
        return await AssertProblem(response, expected);
    }

    static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
