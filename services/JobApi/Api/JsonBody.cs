using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Jobs.JobApi.Api;

/// <summary>Reads a JSON request body with a size limit, turning every way it can be wrong into a problem response.</summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;
    public const int MaxDepth = 16;

    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> Read(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "The body must be JSON (Content-Type: application/json)."));
        if (request.ContentLength > MaxBytes)
            return (null, TooLarge());

        byte[] bytes;
        try
        {
            bytes = await ReadLimited(request.Body, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        if (bytes.Length > MaxBytes)
            return (null, TooLarge());
        if (bytes.Length == 0)
            return (null, Invalid("$", "The body is empty; a JSON object is required."));

        // The parser checks UTF-8 only outside strings; reading a string with bad bytes would throw later (a 500).
        if (!Utf8.IsValid(bytes))
            return (null, Invalid("$", "Not valid JSON: the body is not valid UTF-8."));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            return (null, Invalid("$", $"Not valid JSON: {ex.Message}"));
        }
        if (!EscapesAreText(bytes))
        {
            document.Dispose();
            return (null, Invalid("$", @"Not valid JSON: a string has an unpaired surrogate escape (\uD800 to \uDFFF)."));
        }
        return (document, null);
    }

    /// <summary>Whether every escaped string and property name reads as text: an unpaired surrogate escape cannot.</summary>
    static bool EscapesAreText(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is (JsonTokenType.String or JsonTokenType.PropertyName) && reader.ValueIsEscaped)
                    _ = reader.GetString();
            }
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads at most one byte past the limit, so an oversized body without a Content-Length is caught without buffering it.</summary>
    static async Task<byte[]> ReadLimited(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length <= MaxBytes && (read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }

    static ProblemHttpResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body must be at most {MaxBytes} bytes.");

    static ProblemHttpResult Invalid(string field, string message) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "One or more validation errors occurred.",
        detail: message,
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
