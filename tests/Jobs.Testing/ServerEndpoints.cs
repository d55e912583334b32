namespace Jobs.Testing;

/// <summary>Where the test PostgreSQL and RabbitMQ answer, with an administrator account on each.</summary>
public sealed record ServerEndpoints(
    string PgHost,
    int PgPort,
    string PgUser,
    string PgPassword,
    string RabbitHost,
    int RabbitPort,
    int RabbitManagementPort,
    string RabbitUser,
    string RabbitPassword)
{
    public const string Prefix = "JOBS_";

    /// <summary>From <c>JOBS_PG_*</c> and <c>JOBS_RMQ_*</c> (set by <c>scripts/test.sh</c>), or null if they are not set.</summary>
    public static ServerEndpoints? FromVariables(Func<string, string?> get)
    {
        if (string.IsNullOrEmpty(get("JOBS_PG_HOST")) || string.IsNullOrEmpty(get("JOBS_RMQ_HOST")))
            return null;
        return new ServerEndpoints(
            get("JOBS_PG_HOST")!,
            int.Parse(get("JOBS_PG_PORT") ?? "5432", System.Globalization.CultureInfo.InvariantCulture),
            get("JOBS_PG_USER") ?? "jobs",
            get("JOBS_PG_PASSWORD") ?? "jobs",
            get("JOBS_RMQ_HOST")!,
            int.Parse(get("JOBS_RMQ_PORT") ?? "5672", System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(get("JOBS_RMQ_MGMT_PORT") ?? "15672", System.Globalization.CultureInfo.InvariantCulture),
            get("JOBS_RMQ_USER") ?? "jobs",
            get("JOBS_RMQ_PASSWORD") ?? "jobs");
    }
}
