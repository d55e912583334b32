using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Jobs.Bench.LogLatency;

/// <summary>
/// One line of the job's output as it was seen: printed (the <c>date +%s%N</c> in it), cut into a chunk by the
/// executor (the chunk's <c>timestamp</c>) and received here (when the chunk's event was read from the stream).
/// </summary>
internal sealed record LineSample(int Line, int Attempt, int Seq, long PrintedNs, long CutNs, long ReceivedNs)
{
    /// <summary>Printed until visible to the client: the whole latency.</summary>
    public double TotalMs => Round(ReceivedNs - PrintedNs);

    /// <summary>Printed until the executor cut the chunk holding it: mostly the chunking window.</summary>
    public double CutMs => Round(CutNs - PrintedNs);

    /// <summary>Cut until received: executor → RabbitMQ → LogSink batch and commit → NOTIFY → JobApi → gateway → client.</summary>
    public double DeliveryMs => Round(ReceivedNs - CutNs);

    static double Round(long nanoseconds) => Math.Round(WallClock.Ms(nanoseconds), 3);
}

/// <summary>What one job's run gave: its line samples, and everything that says whether the stream was whole.</summary>
internal sealed record JobRun(
    int Index,
    Guid? JobId,
    string Status,
    string? ExecutorId,
    int Attempts,
    string? Error,
    int LinesPrinted,
    int HistoryLines,
    int MissingLines,
    int DuplicateLines,
    int OtherLines,
    int Chunks,
    int DuplicateChunks,
    int Connections,
    int KeepAlives,
    double? SubmitMs,
    double? StreamHeadersMs,
    double? StartedAfterSubmitMs,
    double? FirstLineAfterSubmitMs,
    IReadOnlyList<LineSample> Samples);

/// <summary>
/// Submits one job that prints a timestamped line every 100 ms, follows its live log stream (SSE) from right after the
/// submit until the <c>end</c> event, and times every line. A dropped stream is resumed with <c>Last-Event-ID</c>;
/// lines printed before the current connection was asked for are history, not live, and are left out of the latencies.
/// </summary>
internal sealed class LiveJob(HttpClient http, int index, int seconds, TextWriter log)
{
    public const int LinesPerSecond = 10;
    const int MaxConnections = 6;

    readonly List<LineSample> samples = [];
    readonly HashSet<int> seen = [];
    readonly Dictionary<(int Attempt, string Stream), string> partialLines = [];
    (int Attempt, int Seq)? last;
    long liveFromNs;
    int historyLines;
    int duplicateLines;
    int otherLines;
    int chunks;
    int duplicateChunks;
    int connections;
    int keepAlives;
    string? endStatus;
    long submittedNs;
    long? submitAnsweredNs;
    long? firstHeadersNs;

    int LinesPrinted => seconds * LinesPerSecond;

    /// <summary>The job's shell command: line i is <c>t i nanoseconds</c>, with the wall-clock time it was printed at.</summary>
    public static string Command(int lines) =>
        FormattableString.Invariant($"for i in $(seq 1 {lines}); do echo \"t $i $(date +%s%N)\"; sleep 0.1; done");

    public async Task<JobRun> Run(CancellationToken cancellationToken)
    {
        // Generous: the job may wait for a slot behind the others.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds * 3 + 120));
        var token = deadline.Token;

        submittedNs = WallClock.NowNs();
        Guid id;
        try
        {
            id = await Submit(token);
            submitAnsweredNs = WallClock.NowNs();
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException)
        {
            return Result(null, "NotSubmitted", null, 0, null, ex.Message);
        }
        log.WriteLine($"job {index}: {id} submitted");

        string? error = null;
        try
        {
            while (endStatus is null)
            {
                if (connections == MaxConnections)
                {
                    error = FormattableString.Invariant($"the stream dropped {connections} times before its end event");
                    break;
                }
                try
                {
                    await Follow(id, token);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    log.WriteLine($"job {index}: stream dropped ({ex.Message}); resuming after {Position()}");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), token);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            error = "no end event before the deadline";
        }

        // Output that ended without a newline was never a whole line, so it was never timed.
        otherLines += partialLines.Count;
        partialLines.Clear();

        var (status, executorId, attempts, startedAt) = await Describe(id, cancellationToken);
        log.WriteLine($"job {index}: {status}, {samples.Count} live lines, {chunks} chunks");
        return Result(id, status, executorId, attempts, startedAt, error);
    }

    async Task<Guid> Submit(CancellationToken cancellationToken)
    {
        var spec = new Dictionary<string, object>
        {
            ["command"] = Command(LinesPrinted),
            ["shell"] = true,
            ["timeoutSeconds"] = seconds * 2 + 60,
        };
        using var response = await http.PostAsJsonAsync("/api/jobs", spec, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException(FormattableString.Invariant($"POST /api/jobs answered {(int)response.StatusCode}: {body}"));
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>One connection of the live stream, read until the server closes it.</summary>
    async Task Follow(Guid id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/logs/stream");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (last is not null)
            request.Headers.Add("Last-Event-ID", Position());
        connections++;
        // The server answers a request by reading what is stored, then follows what gets committed: a line printed
        // after the request went out is live. The response headers are no mark of that: through the gateway they
        // arrive only with the first event.
        liveFromNs = WallClock.NowNs();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        firstHeadersNs ??= WallClock.NowNs();

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new ServerSentEventReader(body);
        try
        {
            await foreach (var e in reader.ReadAll(cancellationToken))
            {
                if (e.Type == "chunk")
                {
                    Chunk(e);
                }
                else if (e.Type == "end")
                {
                    using var json = JsonDocument.Parse(e.Data);
                    endStatus = json.RootElement.TryGetProperty("status", out var status) ? status.GetString() ?? "?" : "?";
                    return;
                }
            }
        }
        finally
        {
            keepAlives += reader.Comments;
        }
        throw new IOException("the server closed the stream before its end event");
    }

    void Chunk(ServerSentEvent e)
    {
        using var json = JsonDocument.Parse(e.Data);
        var root = json.RootElement;
        var attempt = root.GetProperty("attempt").GetInt32();
        var seq = root.GetProperty("seq").GetInt32();
        if (last is { } previous && (attempt, seq).CompareTo(previous) <= 0)
        {
            duplicateChunks++;
            return;
        }
        last = (attempt, seq);
        chunks++;

        var stream = root.GetProperty("stream").GetString() ?? "";
        var cutNs = WallClock.ToNs(root.GetProperty("timestamp").GetDateTimeOffset());
        var text = partialLines.GetValueOrDefault((attempt, stream), "") + root.GetProperty("text").GetString();
        var lines = text.Split('\n');
        // A line the executor cut in two is finished by a later chunk of the same stream; it is timed by that chunk.
        if (lines[^1].Length > 0)
            partialLines[(attempt, stream)] = lines[^1];
        else
            partialLines.Remove((attempt, stream));
        foreach (var line in lines.AsSpan(0, lines.Length - 1))
            Line(line, attempt, seq, cutNs, e.ReceivedNs);
    }

    void Line(string text, int attempt, int seq, long cutNs, long receivedNs)
    {
        var parts = text.TrimEnd('\r').Split(' ');
        if (parts.Length != 3 || parts[0] != "t"
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var printedNs))
        {
            if (text.Length > 0)
                otherLines++;
            return;
        }
        if (!seen.Add(number))
        {
            duplicateLines++;
            return;
        }
        if (printedNs < liveFromNs)
        {
            historyLines++;
            return;
        }
        samples.Add(new LineSample(number, attempt, seq, printedNs, cutNs, receivedNs));
    }

    double? AfterSubmit(long? ns) => ns is { } value ? Math.Round(WallClock.Ms(value - submittedNs), 3) : null;

    string Position() => last is { } p ? FormattableString.Invariant($"{p.Attempt}.{p.Seq}") : "the start";

    async Task<(string Status, string? ExecutorId, int Attempts, DateTimeOffset? StartedAt)> Describe(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            using var job = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{id}", cancellationToken));
            var root = job.RootElement;
            return (
                root.GetProperty("status").GetString() ?? "?",
                root.TryGetProperty("executorId", out var executor) && executor.ValueKind == JsonValueKind.String ? executor.GetString() : null,
                root.TryGetProperty("attempt", out var attempt) && attempt.ValueKind == JsonValueKind.Number ? attempt.GetInt32() : 0,
                root.TryGetProperty("startedAt", out var started) && started.ValueKind == JsonValueKind.String ? started.GetDateTimeOffset() : null);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException)
        {
            return (endStatus ?? "?", null, 0, null);
        }
    }

    JobRun Result(Guid? id, string status, string? executorId, int attempts, DateTimeOffset? startedAt, string? error) => new(
        index,
        id,
        status,
        executorId,
        attempts,
        error,
        LinesPrinted,
        historyLines,
        Math.Max(0, LinesPrinted - seen.Count),
        duplicateLines,
        otherLines,
        chunks,
        duplicateChunks,
        connections,
        keepAlives,
        AfterSubmit(submitAnsweredNs),
        firstHeadersNs is { } headers && submitAnsweredNs is { } answered ? Math.Round(WallClock.Ms(headers - answered), 3) : null,
        startedAt is { } start ? AfterSubmit(WallClock.ToNs(start)) : null,
        samples.Count > 0 ? AfterSubmit(samples.Min(s => s.ReceivedNs)) : null,
        [.. samples.OrderBy(s => s.Line)]);
}
