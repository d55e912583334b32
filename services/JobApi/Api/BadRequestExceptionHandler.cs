using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Jobs.JobApi.Api;

/// <summary>
/// A request the framework refuses before an endpoint runs, above all a query parameter that is not of its type
/// (<c>?limit=abc</c>), gets a problem that names the parameter, as the endpoints' own checks do, instead of a bare
/// 400. Needs <see cref="RouteHandlerOptions.ThrowOnBadRequest"/>, which turns those refusals into exceptions.
/// </summary>
public sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
            return false;

        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = Describe(badRequest),
        });
    }

    /// <summary>A binding failure names its parameter (its value is not repeated back); any other refusal is described by its status alone.</summary>
    public static ProblemDetails Describe(BadHttpRequestException exception)
    {
        if (BindingFailed().Match(exception.Message) is { Success: true } match)
        {
            // The framework writes int? as Nullable<int>.
            var type = match.Groups["type"].Value;
            type = type.StartsWith("Nullable<", StringComparison.Ordinal) ? type["Nullable<".Length..^1] : type.TrimEnd('?');
            var message = type is "int" or "long" or "Int32" or "Int64" ? "Must be a whole number." : $"Must be a {type}.";
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [match.Groups["name"].Value] = [message] })
            {
                Status = exception.StatusCode,
            };
        }
        return new ProblemDetails { Status = exception.StatusCode, Title = ReasonPhrases.GetReasonPhrase(exception.StatusCode) };
    }

    /// <summary>The message of RequestDelegateFactory's binding failure: <c>Failed to bind parameter "int? limit" from "abc".</c></summary>
    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[^" ]+)" from """)]
    private static partial Regex BindingFailed();
}
