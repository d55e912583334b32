using System.Globalization;
using System.Text.Unicode;
using Jobs.Contracts;

namespace Jobs.Bench.Logs;

/// <summary>
/// The bytes every run stores, made once so both variants store exactly the same data; each run gives them fresh job
/// ids, so no run conflicts with rows of an earlier one.
/// </summary>
internal sealed class Payload
{
    static readonly string[] Levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
    static readonly string[] Paths = ["/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/logs", "/api/executors", "/health"];

    Payload(IReadOnlyList<byte[]> chunks, PayloadKind kind)
    {
        Chunks = chunks;
        Kind = kind;
    }

    public IReadOnlyList<byte[]> Chunks { get; }
    public PayloadKind Kind { get; }

    /// <summary><paramref name="count"/> chunks of <paramref name="chunkBytes"/>; the same seed makes the same bytes on every run of the bench.</summary>
    public static Payload Create(int count, int chunkBytes, PayloadKind kind, int seed = 20261125)
    {
#pragma warning disable CA5394 // Benchmark data, not security: a seeded generator makes every run store the same bytes.
        var random = new Random(seed);
        var clock = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var chunks = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var chunk = new byte[chunkBytes];
            if (kind == PayloadKind.Random)
                random.NextBytes(chunk);
            else
                clock = FillWithLines(chunk, random, clock);
            chunks[i] = chunk;
        }
        return new Payload(chunks, kind);
#pragma warning restore CA5394
    }

    /// <summary>The chunks as one attempt per job would produce them: chunk i is job i mod jobs's seq i div jobs.</summary>
    public JobLogChunk[] Messages(int count, int jobs)
    {
        var jobIds = Enumerable.Range(0, jobs).Select(_ => Guid.NewGuid()).ToArray();
        var start = DateTimeOffset.UtcNow;
        var messages = new JobLogChunk[count];
        for (var i = 0; i < count; i++)
        {
            var seq = i / jobs;
            // Now and then a piece of stderr: seq counts across both streams of an attempt.
            var stream = seq % 16 == 15 ? LogStream.Stderr : LogStream.Stdout;
            messages[i] = new JobLogChunk(jobIds[i % jobs], 1, seq, stream, start.AddMilliseconds(i), Chunks[i % Chunks.Count]);
        }
        return messages;
    }

    /// <summary>Log lines until the chunk is full (the last one cut, as a pipe read cuts lines); returns the clock after them.</summary>
    static DateTimeOffset FillWithLines(byte[] chunk, Random random, DateTimeOffset clock)
    {
#pragma warning disable CA5394
        Span<byte> line = stackalloc byte[256];
        var filled = 0;
        while (filled < chunk.Length)
        {
            clock = clock.AddTicks(random.Next(1, 20_000) * TimeSpan.TicksPerMicrosecond / 10);
            var level = Levels[random.Next(Levels.Length)];
            var path = Paths[random.Next(Paths.Length)];
            Utf8.TryWrite(line, CultureInfo.InvariantCulture,
                $"{clock:yyyy-MM-ddTHH:mm:ss.fffZ} {level,-5} worker[{random.Next(16)}] {path} request={random.NextInt64():x16} status={200 + random.Next(4) * 100} took {random.Next(100_000) / 100.0:0.00} ms rows={random.Next(5000)}\n",
                out var written);
            var take = Math.Min(written, chunk.Length - filled);
            line[..take].CopyTo(chunk.AsSpan(filled));
            filled += take;
        }
        return clock;
#pragma warning restore CA5394
    }
}
