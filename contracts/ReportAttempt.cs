namespace Jobs.Contracts;

/// <summary>
/// Job saga's stalled-job sweep → an executor's control queue: publish again the <see cref="JobAttemptFinished"/> of
/// this attempt if it ended here. Sent for a job still Running long after its last change, in case its finish was lost
/// on the way (a broker killed mid-delivery). An executor that still runs the attempt, or has no record of it, does
/// nothing; a repeated finish is absorbed downstream.
/// </summary>
public record ReportAttempt(Guid JobId, int Attempt);
