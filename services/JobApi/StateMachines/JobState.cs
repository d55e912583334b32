using Jobs.Contracts;
using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>The saga row is the job row: what was asked, where it stands, its current attempt and every attempt so far.</summary>
public class JobState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = null!;
    public JobSpec Spec { get; set; } = null!;
    public string Tenant { get; set; } = null!;
    public string Owner { get; set; } = null!;
    public Guid? RetryOf { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Attempt { get; set; }
    public string? ExecutorId { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int? ExitCode { get; set; }
    public string? Error { get; set; }
    public int? LogChunks { get; set; }

    /// <summary>While <c>Retrying</c>: when the next attempt may start.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? CancelRequestedAt { get; set; }

    /// <summary>Why the job waits, when the Scheduler knows no executor that could take it.</summary>
    public string? StatusDetail { get; set; }

    /// <summary>The token of the pending queue-timeout timer, while there is one.</summary>
    public Guid? QueueTimeoutToken { get; set; }

    public List<JobAttempt> Attempts { get; set; } = [];

    public JobAttempt CurrentAttempt()
    {
        var attempt = Attempts.Find(a => a.Number == Attempt);
        if (attempt is null)
        {
            attempt = new JobAttempt { JobId = CorrelationId, Number = Attempt };
            Attempts.Add(attempt);
        }
        return attempt;
    }
}
