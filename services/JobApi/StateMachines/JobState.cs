using Jobs.Contracts;
using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>The saga row is the job row: what was asked, where it stands, and how its current attempt went.</summary>
public class JobState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = null!;
    public JobSpec Spec { get; set; } = null!;
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
}
