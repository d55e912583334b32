using Jobs.Contracts;

namespace Jobs.JobApi.Api;

/// <summary>Which output a log read covers: one attempt or all, one stream or both.</summary>
public sealed record LogFilter(int? Attempt, LogStream? Stream)
{
    /// <summary>From the <c>attempt</c> and <c>stream</c> query parameters; errors name the parameter.</summary>
    public static LogFilter Parse(int? attempt, string? stream, Dictionary<string, string[]> errors)
    {
        if (attempt < 1)
            errors["attempt"] = ["Must be 1 or more."];
        LogStream? parsed = stream switch
        {
            null => null,
            "stdout" => LogStream.Stdout,
            "stderr" => LogStream.Stderr,
            _ => Invalid(),
        };
        return new LogFilter(attempt, parsed);

        LogStream? Invalid()
        {
            errors["stream"] = ["Must be stdout or stderr."];
            return null;
        }
    }

    /// <summary>The SQL condition for <c>logs.log_chunks</c>, with the job id as <c>$1</c>, the attempt as <c>$2</c> and the stream as <c>$3</c>.</summary>
    public const string Condition = "job_id = $1 AND ($2::int IS NULL OR attempt = $2) AND ($3::smallint IS NULL OR stream = $3)";

    public object AttemptValue => Attempt is { } a ? a : DBNull.Value;
    public object StreamValue => Stream is { } s ? (short)s : DBNull.Value;
}
