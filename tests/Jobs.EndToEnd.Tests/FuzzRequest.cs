using System.Globalization;
using CsCheck;

namespace Jobs.EndToEnd.Tests;

/// <summary>One random HTTP request to the public API: where it goes, as whom, with which headers and body (raw text).</summary>
public sealed record FuzzRequest(
    bool Direct, string Method, string Path, string Query, string Caller, string? ContentType, string? Accept,
    string? IdempotencyKey, string? LastEventId, string? Body)
{
    public override string ToString() =>
        $"{(Direct ? "JobApi" : "gateway")} {Method} {Path}{Query} as {Caller}, Content-Type: {ContentType ?? "-"}, Accept: {Accept ?? "-"}, "
        + $"Idempotency-Key: {IdempotencyKey ?? "-"}, Last-Event-ID: {LastEventId ?? "-"}, body: {Preview(Body)}";

    static string Preview(string? body) => body is null ? "none" : body.Length <= 300 ? body : $"{body[..300]}… ({body.Length} chars)";
}

/// <summary>
/// Generators of <see cref="FuzzRequest"/>s against the routes of JobApi (and a few it does not have). Ids name the
/// test's own job, another tenant's, no job, or are no id at all; bodies are the submit schema with random mutations.
/// </summary>
/// <param name="callers">The first is the admin of the test's tenant, the next three its other roles and another tenant's admin, the rest bad credentials.</param>
public sealed class FuzzRequests(Guid ownJob, Guid otherTenantsJob, IReadOnlyList<string> callers)
{
    static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    /// <summary>Each route with the method it takes, and a few routes that do not exist.</summary>
    static readonly (string Method, string Template)[] Routes =
    [
        ("POST", "/api/jobs"), ("POST", "/api/jobs"), ("POST", "/api/jobs"), ("GET", "/api/jobs"), ("GET", "/api/jobs/{id}"),
        ("POST", "/api/jobs/{id}/cancel"), ("POST", "/api/jobs/{id}/retry"), ("GET", "/api/jobs/{id}/logs"), ("GET", "/api/jobs/{id}/logs/raw"),
        ("GET", "/api/jobs/{id}/logs/stream"), ("POST", "/api/keys"), ("GET", "/api/keys"), ("DELETE", "/api/keys/{id}"), ("GET", "/api/audit"),
        ("GET", "/api/executors"), ("POST", "/api/executors/{executor}/drain"), ("POST", "/api/executors/{executor}/resume"),
        ("GET", "/openapi/v1.json"), ("GET", "/health"), ("GET", "/alive"), ("GET", "/metrics"), ("GET", "/api/{x}"), ("POST", "/api/jobs/{id}/{x}"), ("GET", "/{x}"),
    ];

    /// <summary>Path segments that are no id, escaped as a client would send them (or not: <c>%00</c>, <c>%zz</c>).</summary>
    static readonly string[] NotIds =
    [
        "not-a-guid", "-1", "0", "00000000-0000-0000-0000-000000000000", "..", "%2e%2e", "%00", "%zz", "%C3%A9t%C3%A9", "%F0%9F%92%A5",
        "%ED%A0%80", "{00000000-0000-0000-0000-000000000000}", "(8c1e6b4e-0000-0000-0000-000000000000)", "%20", "a%2Fb", "null",
        new string('9', 1500), "SELECT%20*%20FROM%20jobs",
    ];

    static readonly string[] QueryNames = ["limit", "cursor", "offset", "attempt", "stream", "lastEventId", "tenant", "x", "limit[]", "%00"];

    static readonly string[] QueryValues =
    [
        "1", "0", "-1", "1000", "1001", "2147483647", "2147483648", "-2147483649", "99999999999999999999999", "1e3", "1.5", "abc", "",
        "stdout", "stderr", "both", "1.0", "1.-1", "a.b", "%00", "%ff", "%F0%9F%92%A5", "eyJ4IjoxfQ", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        new string('z', 1000), "true", "null",
    ];

    static readonly string?[] ContentTypes =
    [
        null, "application/json", "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16",
        "application/json; charset=nonsense", "text/plain", "application/xml", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/problem+json", "application/merge-patch+json", "*/*", "application/",
    ];

    // Clients that take JSON: the API answers errors as problem+json to them (other Accepts are negotiated away).
    static readonly string?[] Accepts = [null, "*/*", "application/json", "application/problem+json", "text/event-stream, application/json"];

    static readonly string?[] IdempotencyKeys = [null, null, null, "fuzz-key-1", "", " ", new string('k', 300), "\u00e9t\u00e9", "a\tb"];

    static readonly string?[] LastEventIds = [null, null, "1.0", "0.0", "-1.5", "x", "999999999999.1", "1", ""];

    /// <summary>JSON values of every type and the awkward edges of each, as raw text.</summary>
    static readonly string[] Values =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e308", "-1e308", "1e-400", "2147483648", "-2147483649", "9223372036854775808",
        "123456789012345678901234567890", "\"\"", "\"x\"", "\"NaN\"", "\"-1\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\\ud800\"",
        "\"\u00e9\u4e2d\ud83d\udca5\"", "\"\u202e\u200b\ufeff\"", $"\"{new string('a', 40_000)}\"", "{}", "[]", "[1,\"a\",null,{}]",
        "{\"a\":{\"b\":[1]}}", "[\"exitCode\",\"nonsense\"]", "{\"maxAttempts\":-5}", "{\"memoryMb\":1e300}",
    ];

    static readonly string[] Fields =
    [
        "command", "args", "shell", "template", "parameters", "pool", "env", "workingDirectory", "outputCapBytes", "resources",
        "executorId", "executorLabels", "priority", "timeoutSeconds", "queueTimeoutSeconds", "cancelGraceSeconds", "retry",
        "name", "role", "unknown", "Command", "", "\\u0000",
    ];

    /// <summary>A valid job (one quick, harmless run at most) that the mutations start from.</summary>
    static readonly (string Name, string Value)[] ValidJob =
    [
        ("command", "\"/bin/echo\""), ("args", "[\"fuzz\"]"), ("retry", "{\"maxAttempts\":1}"), ("timeoutSeconds", "30"),
    ];

    static readonly (string Name, string Value)[] Optional =
    [
        ("shell", "false"), ("pool", "\"default\""), ("env", "{\"FUZZ\":\"1\"}"), ("priority", "5"), ("cancelGraceSeconds", "1"),
        ("outputCapBytes", "4096"), ("resources", "{\"memoryMb\":256,\"pids\":64}"), ("executorLabels", "{}"), ("workingDirectory", "\"/tmp\""),
        ("queueTimeoutSeconds", "600"), ("name", "\"fuzz\""), ("role", "\"viewer\""),
    ];

    public Gen<FuzzRequest> Any => Gen.Select(
        Gen.Bool, Gen.OneOf(Routes), Gen.Frequency((4, Gen.Const((string?)null)), (1, Gen.OneOf(Methods).Select(m => (string?)m))), Paths, Queries, Callers,
        Gen.Select(Gen.OneOf(ContentTypes), Gen.OneOf(Accepts), Gen.OneOf(IdempotencyKeys), Gen.OneOf(LastEventIds)),
        Bodies,
        (direct, route, otherMethod, path, query, caller, headers, body) => new FuzzRequest(
            direct, otherMethod ?? route.Method, path(route.Template), query, caller, headers.Item1, headers.Item2, headers.Item3, headers.Item4, body));

    // Mostly good credentials, so most requests get past authentication to the handlers.
    Gen<string> Callers => Gen.Frequency((4, Gen.Const(callers[0])), (2, Gen.OneOf([.. callers.Take(4)])), (1, Gen.OneOf([.. callers])));

    Gen<string> Ids => Gen.Frequency(
        (3, Gen.Const(ownJob.ToString())), (2, Gen.Const(otherTenantsJob.ToString())), (2, Gen.Guid.Select(g => g.ToString())),
        (1, Gen.Const(ownJob.ToString("N"))), (1, Gen.Const(ownJob.ToString().ToUpperInvariant())), (3, Gen.OneOf(NotIds)));

    // Never test-1 or test-2: a drain of a real executor would hold up the other tests sharing this system.
    static Gen<string> Executors => Gen.OneOf(Gen.OneOf(NotIds), Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 40].Select(c => new string(c)));

    Gen<Func<string, string>> Paths => Gen.Select(Ids, Executors, Gen.OneOf(NotIds), Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true))), (id, executor, x, slash) =>
        (Func<string, string>)(route => route.Replace("{id}", id, StringComparison.Ordinal).Replace("{executor}", executor, StringComparison.Ordinal)
            .Replace("{x}", x, StringComparison.Ordinal) + (slash ? "/" : "")));

    static Gen<string> Queries => Gen.Select(Gen.OneOf(QueryNames), Gen.OneOf(QueryValues)).Array[0, 4]
        .Select(pairs => pairs.Length == 0 ? "" : "?" + string.Join("&", pairs.Select(p => $"{p.Item1}={p.Item2}")));

    static Gen<string?> Bodies => Gen.Frequency(
        (1, Gen.Const((string?)null)),
        (6, MutatedJobs.Select(s => (string?)s)),
        (1, Gen.OneOf(Values).Select(s => (string?)s)),
        (1, Gen.OneOf<string?>("", " ", "{", "{\"command\":", "[", "}", "not json", "{\"command\":\"/bin/echo\",}", "\u00ff\u00fe{}", "{'command':'x'}", "{\"a\":1}{\"b\":2}")),
        (1, Gen.Int[1, 300].Select(depth => (string?)(new string('[', depth) + new string(']', depth)))),
        (1, Gen.Int[1, 100].Select(depth => (string?)$"{{\"command\":\"/bin/echo\",\"env\":{Nest(depth)}}}")));

    static string Nest(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>The valid job with some optional fields, then up to four mutations: a field set to any value, removed, added twice, or nested deep.</summary>
    static Gen<string> MutatedJobs => Gen.Select(
        Gen.OneOf(Optional).Array[0, 4],
        Gen.Select(Gen.Int[0, 3], Gen.OneOf(Fields), Gen.OneOf(Values), Gen.Int[1, 40]).Array[0, 4],
        (extra, mutations) =>
        {
            var fields = ValidJob.Concat(extra).DistinctBy(f => f.Name).ToList();
            foreach (var (kind, name, value, depth) in mutations)
            {
                switch (kind)
                {
                    case 0:
                        fields.RemoveAll(f => f.Name == name);
                        fields.Add((name, value));
                        break;
                    case 1:
                        fields.RemoveAll(f => f.Name == name);
                        break;
                    case 2:
                        fields.Add((name, value));
                        break;
                    default:
                        fields = [.. fields.Select(f => f.Name == name ? (f.Name, string.Concat(Enumerable.Repeat("[", depth)) + f.Value + new string(']', depth)) : f)];
                        break;
                }
            }
            return "{" + string.Join(",", fields.Select(f => $"\"{f.Name}\":{f.Value}")) + "}";
        });

    public static string Describe(IEnumerable<(int Status, int Count)> statuses) =>
        string.Join(", ", statuses.OrderBy(s => s.Status).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Status}×{s.Count}")));
}
