using System.Text;
using Jobs.JobApi.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Jobs.JobApi.Tests;

public sealed class JsonBodyTests
{
    [Theory]
    [InlineData("C3 28")]
    [InlineData("FF")]
    [InlineData("80")]
    [InlineData("C0 AF")]
    [InlineData("E0 80 AF")]
    [InlineData("ED A0 80")]
    [InlineData("F4 90 80 80")]
    [InlineData("E2 82")]
    public async Task InvalidUtf8InAString_IsAProblemNamingTheBody(string hex)
    {
        var bad = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

        AssertNamesTheBody(await Read([.. """{"command":"echo"""u8, .. bad, .. "\"}"u8]), "Not valid JSON: the body is not valid UTF-8.");
        AssertNamesTheBody(await Read([.. "{\"command\":\"echo\",\""u8, .. bad, .. "\":1}"u8]), "Not valid JSON: the body is not valid UTF-8.");
    }

    [Theory]
    [InlineData("""{"command":"echo\ud800"}""")]
    [InlineData("""{"command":"echo\udc00"}""")]
    [InlineData("""{"command":"echo\ude00\ud83d"}""")]
    [InlineData("""{"command":"echo","args":["a","\ud800b"]}""")]
    [InlineData("""{"command":"echo","\udfff":1}""")]
    public async Task UnpairedSurrogateEscape_IsAProblemNamingTheBody(string body)
    {
        AssertNamesTheBody(await Read(Encoding.ASCII.GetBytes(body)), @"Not valid JSON: a string has an unpaired surrogate escape (\uD800 to \uDFFF).");
    }

    [Fact]
    public async Task EscapedPairsControlsAndMultibyteText_AreRead()
    {
        var (document, problem) = await Read(Encoding.UTF8.GetBytes("""{"command":"echo \ud83d\ude00 \u0001 \"q\" ü €","n\u00e4me":"😀"}"""));

        Assert.Null(problem);
        using (document)
        {
            Assert.Equal("echo \U0001F600 \u0001 \"q\" ü €", document!.RootElement.GetProperty("command").GetString());
            Assert.Equal("😀", document.RootElement.GetProperty("näme").GetString());
        }
    }

    static void AssertNamesTheBody((System.Text.Json.JsonDocument? Document, ProblemHttpResult? Problem) result, string message)
    {
        Assert.Null(result.Document);
        var problem = Assert.IsType<ProblemHttpResult>(result.Problem);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        var errors = Assert.IsType<Dictionary<string, string[]>>(problem.ProblemDetails.Extensions["errors"]);
        Assert.Equal(["$"], errors.Keys);
        Assert.Equal([message], errors["$"]);
    }

    static Task<(System.Text.Json.JsonDocument? Document, ProblemHttpResult? Problem)> Read(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body);
        return JsonBody.Read(context.Request, CancellationToken.None);
    }
}
