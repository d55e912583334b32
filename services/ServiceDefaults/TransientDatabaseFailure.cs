using System.Net.Sockets;
using Npgsql;

namespace Jobs.ServiceDefaults;

/// <summary>
/// Whether a failure means the database is away for now (down, restarting, in recovery, the connection cut) rather
/// than that the message or the code is wrong: such a failure is worth retrying for as long as a restart takes.
/// </summary>
public static class TransientDatabaseFailure
{
    /// <summary>
    /// True for Npgsql's transient failures (I/O, a refused or cut connection, <c>57P01</c> admin shutdown, <c>57P03</c>
    /// cannot connect now, …) and timeouts, also when EF Core or MassTransit wrapped them (an execution strategy's
    /// "likely due to a transient failure", <c>DbUpdateException</c>): the chain of inner exceptions is followed.
    /// </summary>
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // A server that answers with an error is transient only if it says so (shutdown, recovery, …);
                    // constraint violations and the like are the message's business.
                    return postgres.IsTransient;
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                    return true;
                case NpgsqlException:
                    // Npgsql wraps the socket error or timeout that made it fail: look further in.
                    continue;
            }
        }
        return false;
    }
}
