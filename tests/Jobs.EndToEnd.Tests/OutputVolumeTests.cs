using System.Security.Cryptography;
using System.Text;
using Jobs.Testing;
using Npgsql;

namespace Jobs.EndToEnd.Tests;

/// <summary>Large and interleaved output through executor, broker and LogSink into PostgreSQL, complete and in order.</summary>
[Collection(SystemCollection.Name)]
public sealed class OutputVolumeTests(SystemFixture fixture)
{
    const long Size = 256L * 1024 * 1024;

    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task QuarterGigabyteOfOutput_IsStoredCompleteAndInOrder()
    {
        const int numbers = 32_000_000;
        var id = await jobs.Submit(new { command = $"seq 1 {numbers} 2>/dev/null | head -c {Size}", shell = true, outputCapBytes = Size * 2 });

        var job = await jobs.WaitTerminal(id, TimeSpan.FromMinutes(10));
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        var attempt = job.GetProperty("attempts")[0];
        Assert.Equal(Size, attempt.GetProperty("outputBytes").GetInt64());
        Assert.False(attempt.GetProperty("outputTruncated").GetBoolean());
        var chunks = job.GetProperty("logChunks").GetInt32();

        await using var database = fixture.System.Database.CreateDataSource();
        await Eventually.Get(() => StoredChunks(database, id), stored => stored == chunks, TimeSpan.FromMinutes(5), $"{chunks} chunks of job {id} stored");
        var (storedBytes, storedHash, contiguous) = await StoredOutput(database, id);

        Assert.True(contiguous, "The stored sequence numbers have a gap.");
        Assert.Equal(Size, storedBytes);
        Assert.Equal(ExpectedHash(numbers), storedHash);
    }

    [Fact]
    public async Task InterleavedStdoutAndStderr_KeepTheirOrderWithinEachStream()
    {
        var id = await jobs.Submit(new { command = "for i in $(seq 1 2000); do echo out $i; echo err $i >&2; done", shell = true });
        await jobs.WaitTerminal(id);
        await jobs.Output(id);

        var items = (await jobs.Logs(id)).GetProperty("items").EnumerateArray().ToList();
        string Stream(string name) => string.Concat(items.Where(i => i.GetProperty("stream").GetString() == name).Select(i => i.GetProperty("text").GetString()));

        Assert.Equal(string.Concat(Enumerable.Range(1, 2000).Select(i => $"out {i}\n")), Stream("stdout"));
        Assert.Equal(string.Concat(Enumerable.Range(1, 2000).Select(i => $"err {i}\n")), Stream("stderr"));
        Assert.Equal(Enumerable.Range(0, items.Count), items.Select(i => i.GetProperty("seq").GetInt32()));
    }

    static async Task<long> StoredChunks(NpgsqlDataSource database, Guid id)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM logs.log_chunks WHERE job_id = $1");
        command.Parameters.Add(new() { Value = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Reads the stored chunks in order without holding them all, hashing as it goes.</summary>
    static async Task<(long Bytes, string Hash, bool Contiguous)> StoredOutput(NpgsqlDataSource database, Guid id)
    {
        await using var command = database.CreateCommand("SELECT seq, data FROM logs.log_chunks WHERE job_id = $1 ORDER BY attempt, seq");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        var expectedSeq = 0;
        var contiguous = true;
        while (await reader.ReadAsync())
        {
            contiguous &= reader.GetInt32(0) == expectedSeq++;
            var data = reader.GetFieldValue<byte[]>(1);
            hash.AppendData(data);
            bytes += data.Length;
        }
        return (bytes, Convert.ToHexString(hash.GetHashAndReset()), contiguous);
    }

    /// <summary>The SHA-256 of the first <see cref="Size"/> bytes of <c>seq 1 numbers</c>.</summary>
    static string ExpectedHash(int numbers)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new StringBuilder();
        long left = Size;
        for (var n = 1; n <= numbers && left > 0; n++)
        {
            buffer.Append(n).Append('\n');
            if (buffer.Length < 1 << 20 && n < numbers)
                continue;
            var piece = Encoding.ASCII.GetBytes(buffer.ToString());
            var take = (int)Math.Min(piece.Length, left);
            hash.AppendData(piece, 0, take);
            left -= take;
            buffer.Clear();
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
