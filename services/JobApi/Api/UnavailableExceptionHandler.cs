using MassTransit;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Jobs.JobApi.Api;

/// <summary>
/// When the database or the broker does not answer, the client gets a 503 problem with <c>Retry-After</c> instead of a
/// 500: nothing is wrong with the request, and trying again later is the right move.
/// </summary>
public sealed partial class UnavailableExceptionHandler(IProblemDetailsService problems, ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
{
    const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var detail = Cause(exception) switch
        {
            RequestTimeoutException when httpContext.Request.Path.StartsWithSegments("/api/executors") => "The Scheduler, which keeps the executor registry, did not answer in time.",
            RequestTimeoutException => "The job service did not confirm the job in time. It may still be created: look for it before submitting again.",
            NpgsqlException or TimeoutException => "The database does not answer.",
            MassTransitException => "The message broker does not answer.",
            _ => null,
        };
        if (detail is null)
            return false;

        LogUnavailable(exception, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "Service unavailable", Detail = detail },
        });
    }

    /// <summary>
    /// EF Core's execution strategy wraps the transient database failure it gives up on: Npgsql's in an
    /// InvalidOperationException ("likely due to a transient failure"), a retrying one in RetryLimitExceededException.
    /// </summary>
    static Exception Cause(Exception exception) =>
        exception is InvalidOperationException or RetryLimitExceededException && exception.InnerException is NpgsqlException or TimeoutException
            ? exception.InnerException
            : exception;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 503 to {Path}: a dependency is unavailable")]
    partial void LogUnavailable(Exception exception, string path);
}
