using Jobs.LogSink.Data;
using Jobs.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Jobs.LogSink.Tests;

/// <summary>A fresh database with the LogSink's migrations applied, and a way to read back what was stored.</summary>
public sealed class LogsDatabase : IAsyncLifetime
{
    TestDatabase database = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.Create(await TestServers.Get());
        var options = new DbContextOptionsBuilder<LogsDbContext>()
            .UseNpgsql(database.ConnectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", LogsDbContext.Schema))
            .Options;
        await using (var context = new LogsDbContext(options))
            await context.Database.MigrateAsync();
        DataSource = database.CreateDataSource();
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>Every stored chunk, by job, attempt and seq.</summary>
    public async Task<List<StoredChunk>> Stored()
    {
        await using var command = DataSource.CreateCommand(
            "SELECT job_id, attempt, seq, stream, ts, data FROM logs.log_chunks ORDER BY job_id, attempt, seq");
        await using var reader = await command.ExecuteReaderAsync();
        var chunks = new List<StoredChunk>();
        while (await reader.ReadAsync())
        {
            chunks.Add(new StoredChunk(
                reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt16(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<byte[]>(5)));
        }
        return chunks;
    }

    public async Task<long> Count()
    {
        await using var command = DataSource.CreateCommand("SELECT count(*) FROM logs.log_chunks");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

public sealed record StoredChunk(Guid JobId, int Attempt, int Seq, short Stream, DateTimeOffset Timestamp, byte[] Data);
