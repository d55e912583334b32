using Npgsql;

namespace Jobs.Testing;

/// <summary>A database of its own for one test class or run, dropped afterwards, so runs never see each other's rows.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    readonly ServerEndpoints servers;

    TestDatabase(ServerEndpoints servers, string name)
    {
        this.servers = servers;
        Name = name;
        ConnectionString = Connect(servers, name);
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<TestDatabase> Create(ServerEndpoints servers)
    {
        var name = $"jobs_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(Connect(servers, "postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new TestDatabase(servers, name);
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Connect(servers, "postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    static string Connect(ServerEndpoints servers, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = servers.PgHost,
        Port = servers.PgPort,
        Username = servers.PgUser,
        Password = servers.PgPassword,
        Database = database,
        MaxPoolSize = 50,
    }.ConnectionString;
}
