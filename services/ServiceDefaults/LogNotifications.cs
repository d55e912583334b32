namespace Jobs.ServiceDefaults;

/// <summary>
/// The PostgreSQL NOTIFY channel on which LogSink announces, after each committed batch, the jobs it stored output of
/// (payload: the job id); JobApi's live log streams LISTEN on it.
/// </summary>
public static class LogNotifications
{
    public const string Channel = "jobs_log_chunks";
}
