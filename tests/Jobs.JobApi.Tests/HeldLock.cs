using Npgsql;

namespace Jobs.JobApi.Tests;

/// <summary>
/// A transaction of the test's own holding a lock: saga transactions queue up behind it, and race each other the moment
/// it is released, which makes the races under test happen every run instead of now and then.
/// </summary>
sealed class HeldLock : IAsyncDisposable
{
    readonly NpgsqlDataSource dataSource;
    readonly NpgsqlConnection connection;
    readonly NpgsqlTransaction transaction;

    HeldLock(NpgsqlDataSource dataSource, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        this.dataSource = dataSource;
        this.connection = connection;
        this.transaction = transaction;
    }

    /// <summary>Runs <paramref name="sql"/> (with <paramref name="jobId"/> as <c>$1</c> if it uses it) in a transaction left open.</summary>
    public static async Task<HeldLock> Take(NpgsqlDataSource dataSource, string sql, Guid? jobId = null)
    {
        var connection = await dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (jobId is { } id)
            command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync();
        return new HeldLock(dataSource, connection, transaction);
    }

    /// <summary>How many sessions on the database wait for a lock: behind this one, or queued behind one that waits for it.</summary>
    /// <remarks>Asked outside the held transaction: within a transaction, PostgreSQL keeps showing the activity it saw first.</remarks>
    public async Task<long> Waiters()
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public Task Release() => transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
