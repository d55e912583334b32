using Jobs.JobApi.Data;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Security;

/// <summary>
/// Writes who did what: every submit, cancel, retry, key change and executor drain, and every such request the
/// policy or a role refused. Written before the answer goes out, so an acknowledged action is on record.
/// </summary>
public sealed class AuditLog(IDbContextFactory<JobApiDbContext> dbFactory)
{
    public const string Ok = "ok";
    public const string Denied = "denied";
    const int MaxTarget = 256;

    public async Task Record(Caller caller, string action, string target, string outcome = Ok, string? detail = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEvents.Add(new AuditEvent
        {
            At = DateTimeOffset.UtcNow,
            Tenant = caller.Tenant,
            Actor = caller.Subject,
            Role = caller.Role,
            Action = action,
            Target = target.Length <= MaxTarget ? target : target[..MaxTarget],
            Outcome = outcome,
            Detail = detail,
        });
        // Not the request's token: once the action is done, its record is written even if the client hung up.
        await db.SaveChangesAsync(CancellationToken.None);
    }
}

/// <summary>The actions the audit log names.</summary>
public static class AuditActions
{
    public const string JobSubmit = "job.submit";
    public const string JobCancel = "job.cancel";
    public const string JobRetry = "job.retry";
    public const string KeyCreate = "apikey.create";
    public const string KeyRevoke = "apikey.revoke";
    public const string ExecutorDrain = "executor.drain";
    public const string ExecutorResume = "executor.resume";
}
