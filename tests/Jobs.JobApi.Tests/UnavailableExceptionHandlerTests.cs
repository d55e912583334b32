using Jobs.JobApi.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Jobs.JobApi.Tests;

public sealed class UnavailableExceptionHandlerTests
{
    /// <summary>What EF Core's execution strategies throw when the database does not answer (seen as 500s under load before).</summary>
    public static TheoryData<Exception> DatabaseTimeouts() => new()
    {
        new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", new NpgsqlException("The operation has timed out", new TimeoutException())),
        new RetryLimitExceededException("The maximum number of retries (6) was exceeded.", new NpgsqlException("The operation has timed out", new TimeoutException())),
        new NpgsqlException("The operation has timed out", new TimeoutException()),
    };

    [Theory]
    [MemberData(nameof(DatabaseTimeouts))]
    public async Task DatabaseTimeout_EvenWrappedByTheExecutionStrategy_Is503WithRetryAfter(Exception exception)
    {
        var http = Context();

        Assert.True(await Handler(http).TryHandleAsync(http, exception, CancellationToken.None));

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("5", http.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task InvalidOperationOfAnotherCause_IsLeftForTheDefaultHandler()
    {
        var http = Context();

        Assert.False(await Handler(http).TryHandleAsync(http, new InvalidOperationException("Sequence contains no elements."), CancellationToken.None));
    }

    static DefaultHttpContext Context() => new()
    {
        RequestServices = new ServiceCollection().AddOptions().AddProblemDetails().BuildServiceProvider(),
        Response = { Body = new MemoryStream() },
    };

    static UnavailableExceptionHandler Handler(HttpContext http) =>
        new(http.RequestServices.GetRequiredService<IProblemDetailsService>(), NullLogger<UnavailableExceptionHandler>.Instance);
}
