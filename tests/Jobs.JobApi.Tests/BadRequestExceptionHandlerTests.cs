using Jobs.JobApi.Api;
using Microsoft.AspNetCore.Http;

namespace Jobs.JobApi.Tests;

public sealed class BadRequestExceptionHandlerTests
{
    [Theory]
    [InlineData("""Failed to bind parameter "Nullable<int> limit" from "abc".""", "limit", "Must be a whole number.")]
    [InlineData("""Failed to bind parameter "int? limit" from "abc".""", "limit", "Must be a whole number.")]
    [InlineData("""Failed to bind parameter "Nullable<DateTimeOffset> since" from "abc".""", "since", "Must be a DateTimeOffset.")]
    [InlineData("""Failed to bind parameter "int offset" from "1,2".""", "offset", "Must be a whole number.")]
    [InlineData("""Failed to bind parameter "Guid id" from "x" y".""", "id", "Must be a Guid.")]
    public void BindingFailure_NamesTheParameterWithoutItsValue(string message, string parameter, string error)
    {
        var problem = Assert.IsType<HttpValidationProblemDetails>(BadRequestExceptionHandler.Describe(new BadHttpRequestException(message)));

        Assert.Equal(400, problem.Status);
        Assert.Equal([parameter], problem.Errors.Keys);
        Assert.Equal([error], problem.Errors[parameter]);
    }

    [Fact]
    public void OtherRefusal_KeepsItsStatusAndSaysNoMore()
    {
        var problem = BadRequestExceptionHandler.Describe(new BadHttpRequestException("Request body too large. The max request body size is 1 bytes.", 413));

        Assert.IsNotType<HttpValidationProblemDetails>(problem);
        Assert.Equal(413, problem.Status);
        Assert.Equal("Payload Too Large", problem.Title);
        Assert.Null(problem.Detail);
    }
}
