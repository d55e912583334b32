namespace Jobs.Bench.Logs;

/// <summary>What the generated chunks hold: log-like text (compresses, as real output does) or random bytes (does not).</summary>
internal enum PayloadKind
{
    Text,
    Random,
}

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions(
    int MiB,
    int ChunkKiB,
    int Rounds,
    int Jobs,
    int InFlight,
    int CopyBatchRows,
    int WarmupMiB,
    PayloadKind Payload)
{
    public const string Usage = """
        Usage: Jobs.Bench.Logs [--mib N] [--chunk-kib N] [--rounds N] [--jobs N] [--in-flight N] [--copy-batch N]
                               [--warmup-mib N] [--payload text|random]

          --mib N           output stored per measured run (default 256)
          --chunk-kib N     size of one JobLogChunk (default 64, the executor's largest piece)
          --rounds N        rounds; each runs A (through the LogSink) and B (raw COPY) once, order alternating (default 3)
          --jobs N          jobs the chunks are spread over, seq 0.. per job (default 8)
          --in-flight N     publishes awaiting their confirm at once in A (default 64)
          --copy-batch N    rows per COPY in B, as the LogSink's largest batch (default 500)
          --warmup-mib N    unrecorded run of each variant first (default 64; 0 for none)
          --payload KIND    text (log-like lines, compressible) or random bytes (default text)
        """;

    public int ChunkBytes => ChunkKiB * 1024;

    /// <summary>Chunks per measured run: at least one, the last one full-size like the rest.</summary>
    public int ChunkCount => Math.Max(1, (int)((long)MiB * 1024 * 1024 / ChunkBytes));

    public int WarmupChunks => WarmupMiB == 0 ? 0 : Math.Clamp((int)((long)WarmupMiB * 1024 * 1024 / ChunkBytes), 1, ChunkCount);

    /// <summary>The settings <paramref name="args"/> give; null (after printing why) when they are not valid or help was asked for.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, TextWriter error) =>
        new BenchArgs<BenchOptions>(Usage)
            .Option("--mib", ArgValue.Int(1), (options, mib) => options with { MiB = mib })
            .Option("--chunk-kib", ArgValue.Int(1, 16 * 1024), (options, kib) => options with { ChunkKiB = kib })
            .Option("--rounds", ArgValue.Int(1), (options, rounds) => options with { Rounds = rounds })
            .Option("--jobs", ArgValue.Int(1), (options, jobs) => options with { Jobs = jobs })
            .Option("--in-flight", ArgValue.Int(1), (options, inFlight) => options with { InFlight = inFlight })
            .Option("--copy-batch", ArgValue.Int(1), (options, rows) => options with { CopyBatchRows = rows })
            .Option("--warmup-mib", ArgValue.Int(0), (options, warmup) => options with { WarmupMiB = warmup })
            .Option("--payload", ArgValue.OneOf<PayloadKind>(), (options, payload) => options with { Payload = payload })
            .Parse(args, new BenchOptions(MiB: 256, ChunkKiB: 64, Rounds: 3, Jobs: 8, InFlight: 64, CopyBatchRows: 500, WarmupMiB: 64, Payload: PayloadKind.Text), error);
}
