using System.Text.Json;
using Jobs.Contracts;
using Jobs.JobApi.Api;

namespace Jobs.JobApi.Tests;

public sealed class SubmitJobRequestTests
{
    [Fact]
    public void MinimalBody_GetsTheDefaults()
    {
        var spec = Valid("""{"command":"echo"}""");

        Assert.Equal("echo", spec.Command);
        Assert.Empty(spec.Args);
        Assert.False(spec.Shell);
        Assert.Equal(SubmitJobRequest.DefaultPool, spec.Pool);
        Assert.Equal("default", spec.Pool);
    }

    [Fact]
    public void FullBody_IsTakenAsGiven()
    {
        var spec = Valid("""{"command":"printf","args":["%s|%s","a b",""],"shell":true,"pool":"gpu-2"}""");

        Assert.Equal("printf", spec.Command);
        Assert.Equal(["%s|%s", "a b", ""], spec.Args);
        Assert.True(spec.Shell);
        Assert.Equal("gpu-2", spec.Pool);
    }

    [Fact]
    public void NullOptionalFields_GetTheDefaults()
    {
        var spec = Valid("""{"command":"true","args":null,"shell":null,"pool":null}""");

        Assert.Empty(spec.Args);
        Assert.False(spec.Shell);
        Assert.Equal("default", spec.Pool);
    }

    [Fact]
    public void LimitsExactlyReached_AreAccepted()
    {
        var command = new string('c', SubmitJobRequest.MaxCommandLength);
        var args = Enumerable.Repeat("a", SubmitJobRequest.MaxArgs - 1).Append(new string('x', SubmitJobRequest.MaxArgLength)).ToArray();
        var pool = new string('p', 64);

        var spec = Valid(JsonSerializer.Serialize(new { command, args, pool }));

        Assert.Equal(command, spec.Command);
        Assert.Equal(args, spec.Args);
        Assert.Equal(pool, spec.Pool);
    }

    [Theory]
    [InlineData("""{}""", "Required.")]
    [InlineData("""{"command":null}""", "Required.")]
    [InlineData("""{"command":""}""", "Must not be empty.")]
    [InlineData("""{"command":"   "}""", "Must not be empty.")]
    [InlineData("""{"command":42}""", "Must be a string, not a number.")]
    [InlineData("""{"command":["echo"]}""", "Must be a string, not an array.")]
    [InlineData("""{"command":{"path":"echo"}}""", "Must be a string, not an object.")]
    [InlineData("""{"command":true}""", "Must be a string, not a boolean.")]
    [InlineData("""{"command":"echo\u0000rm"}""", "Must not contain NUL characters.")]
    public void BadCommand_IsReportedUnderCommand(string body, string message)
    {
        var errors = Invalid(body);

        Assert.Equal(["command"], errors.Keys);
        Assert.Equal([message], errors["command"]);
    }

    [Fact]
    public void CommandOneOverTheLimit_IsReportedUnderCommand()
    {
        var errors = Invalid(JsonSerializer.Serialize(new { command = new string('c', SubmitJobRequest.MaxCommandLength + 1) }));

        Assert.Equal(["command"], errors.Keys);
        Assert.Equal(["Must be at most 4096 characters."], errors["command"]);
    }

    [Theory]
    [InlineData("""{"command":"echo","args":"hello"}""", "Must be an array of strings, not a string.")]
    [InlineData("""{"command":"echo","args":{"0":"hello"}}""", "Must be an array of strings, not an object.")]
    [InlineData("""{"command":"echo","args":7}""", "Must be an array of strings, not a number.")]
    public void ArgsNotAnArray_IsReportedUnderArgs(string body, string message)
    {
        var errors = Invalid(body);

        Assert.Equal(["args"], errors.Keys);
        Assert.Equal([message], errors["args"]);
    }

    [Fact]
    public void TooManyArgs_IsReportedUnderArgs()
    {
        var errors = Invalid(JsonSerializer.Serialize(new { command = "echo", args = Enumerable.Repeat("a", SubmitJobRequest.MaxArgs + 1) }));

        Assert.Equal(["args"], errors.Keys);
        Assert.Equal(["Must have at most 256 items."], errors["args"]);
    }

    [Theory]
    [InlineData("""{"command":"echo","args":["ok",1,"ok"]}""", "args[1]", "Must be a string, not a number.")]
    [InlineData("""{"command":"echo","args":[null]}""", "args[0]", "Must be a string, not null.")]
    [InlineData("""{"command":"echo","args":["ok","ok",["nested"]]}""", "args[2]", "Must be a string, not an array.")]
    [InlineData("""{"command":"echo","args":["ok","a\u0000b"]}""", "args[1]", "Must not contain NUL characters.")]
    public void BadArgsItem_IsReportedUnderItsIndex(string body, string key, string message)
    {
        var errors = Invalid(body);

        Assert.Equal([key], errors.Keys);
        Assert.Equal([message], errors[key]);
    }

    [Fact]
    public void ArgOneOverTheLimit_IsReportedUnderItsIndex()
    {
        var errors = Invalid(JsonSerializer.Serialize(new { command = "echo", args = new[] { "a", "b", new string('x', SubmitJobRequest.MaxArgLength + 1) } }));

        Assert.Equal(["args[2]"], errors.Keys);
        Assert.Equal(["Must be at most 32768 characters."], errors["args[2]"]);
    }

    [Fact]
    public void SeveralBadArgsItems_AreEachReported()
    {
        var errors = Invalid("""{"command":"echo","args":[1,"ok",false]}""");

        Assert.Equal(["args[0]", "args[2]"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("\"true\"", "Must be true or false, not a string.")]
    [InlineData("1", "Must be true or false, not a number.")]
    [InlineData("[]", "Must be true or false, not an array.")]
    public void ShellNotABoolean_IsReportedUnderShell(string shell, string message)
    {
        var errors = Invalid($$"""{"command":"echo","shell":{{shell}}}""");

        Assert.Equal(["shell"], errors.Keys);
        Assert.Equal([message], errors["shell"]);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"GPU\"")]
    [InlineData("\"-gpu\"")]
    [InlineData("\"gpu_1\"")]
    [InlineData("\"gpu 1\"")]
    [InlineData("\"gpü\"")]
    [InlineData("\"ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\"")]
    [InlineData("7")]
    [InlineData("true")]
    [InlineData("[\"gpu\"]")]
    public void BadPool_IsReportedUnderPool(string pool)
    {
        var errors = Invalid($$"""{"command":"echo","pool":{{pool}}}""");

        Assert.Equal(["pool"], errors.Keys);
        Assert.Equal(["Must be 1 to 64 lowercase letters, digits or dashes."], errors["pool"]);
    }

    [Fact]
    public void UnknownFields_AreEachReportedUnderTheirOwnName()
    {
        var errors = Invalid("""{"command":"echo","image":"alpine","Command":"ls"}""");

        Assert.Equal(["Command", "image"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Values, messages => Assert.StartsWith("Unknown field.", Assert.Single(messages), StringComparison.Ordinal));
        Assert.Contains("command, args, shell, template, parameters, pool", errors["image"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"command\":\"echo\"}]")]
    [InlineData("\"echo\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public void NonObjectRoot_IsReportedUnderTheRoot(string body)
    {
        var errors = Invalid(body);

        Assert.Equal(["$"], errors.Keys);
        Assert.Equal(["The body must be a JSON object."], errors["$"]);
    }

    [Fact]
    public void EveryFieldWrong_ReportsEveryFieldAtOnce()
    {
        var errors = Invalid("""{"command":"","args":[1],"shell":"yes","pool":"A","timeout":5}""");

        Assert.Equal(["args[0]", "command", "pool", "shell", "timeout"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ValidFieldsNextToAnUnknownOne_StillGiveNoSpec()
    {
        var errors = Invalid("""{"command":"echo","args":["hi"],"retries":3}""");

        Assert.Equal(["retries"], errors.Keys);
    }

    [Fact]
    public void NulInALabelValue_IsReportedUnderTheLabel()
    {
        var errors = Invalid("""{"command":"echo","executorLabels":{"zone":"odd","gpu":"a\u0000b"}}""");

        Assert.Equal(["executorLabels.gpu"], errors.Keys);
        Assert.Equal(["Must not contain NUL characters."], errors["executorLabels.gpu"]);
    }

    [Fact]
    public void ControlCharactersOtherThanNulInALabelValue_AreKept()
    {
        var spec = Valid("""{"command":"echo","executorLabels":{"note":"\u0001\t\n\u007f\u0085"}}""");

        Assert.Equal("\u0001\t\n\u007f\u0085", spec.ExecutorLabels!["note"]);
    }

    [Fact]
    public void Resources_AreTakenAsGivenAndAbsentOnesStayUnset()
    {
        var spec = Valid("""{"command":"true","resources":{"cpuPercent":150,"memoryMb":512,"ioBytesPerSecond":10485760}}""");

        Assert.Equal(new ResourceLimits { CpuPercent = 150, MemoryMb = 512, IoBytesPerSecond = 10_485_760 }, spec.Resources);
        Assert.Null(spec.Resources.Pids);
        Assert.False(Valid("""{"command":"true"}""").Resources.Any);
    }

    [Fact]
    public void Template_IsReadWithItsParametersAndNoCommand()
    {
        var submission = Submission("""{"template":"backup","parameters":{"db":"orders","when":"now"},"pool":"gpu"}""");

        Assert.Equal("backup", submission.Template!.Name);
        Assert.Equal(new Dictionary<string, string> { ["db"] = "orders", ["when"] = "now" }, submission.Template.Parameters);
        Assert.Equal("", submission.Spec.Command);
        Assert.Equal("gpu", submission.Spec.Pool);
    }

    [Theory]
    [InlineData("""{"template":"backup","command":"rm"}""", "command")]
    [InlineData("""{"template":"backup","args":["x"]}""", "args")]
    [InlineData("""{"template":"backup","shell":true}""", "shell")]
    [InlineData("""{"template":"has space"}""", "template")]
    [InlineData("""{"template":7}""", "template")]
    [InlineData("""{"template":"backup","parameters":["db"]}""", "parameters")]
    [InlineData("""{"template":"backup","parameters":{"db":5}}""", "parameters.db")]
    [InlineData("""{"template":"backup","parameters":{"db":"a\u0000b"}}""", "parameters.db")]
    [InlineData("""{"command":"true","parameters":{"db":"x"}}""", "parameters")]
    public void TemplateMistakes_NameTheField(string json, string field) => Assert.Contains(field, Invalid(json).Keys);

    [Fact]
    public void ThousandsOfMistakes_AreCappedWithACount()
    {
        var body = "{" + string.Join(",", Enumerable.Range(0, 3000).Select(i => $"\"unknown{i}\": 1")) + "}";

        var errors = Invalid(body);

        Assert.Equal(SubmitJobRequest.MaxErrors + 1, errors.Count);
        Assert.StartsWith($"{3001 - SubmitJobRequest.MaxErrors} more fields", errors["$"][0], StringComparison.Ordinal);
    }

    static JobSpec Valid(string json) => Submission(json).Spec;

    static Submission Submission(string json)
    {
        using var document = JsonDocument.Parse(json);
        var (submission, errors) = SubmitJobRequest.Parse(document.RootElement);
        Assert.Empty(errors);
        return Assert.IsType<Submission>(submission);
    }

    static Dictionary<string, string[]> Invalid(string json)
    {
        using var document = JsonDocument.Parse(json);
        var (submission, errors) = SubmitJobRequest.Parse(document.RootElement);
        Assert.Null(submission);
        Assert.NotEmpty(errors);
        return errors;
    }
}
