namespace Jobs.Contracts;

/// <summary>Every executor consumes <see cref="ExecuteJob"/> from its own queue; this names it the same way on both sides.</summary>
public static class ExecutorEndpoint
{
    public static string QueueName(string executorId) => $"executor-{executorId}";

    /// <summary>Sent through the exchange, not <c>queue:</c>, so the sender never re-declares the executor's quorum queue as classic.</summary>
    public static Uri Address(string executorId) => new($"exchange:{QueueName(executorId)}");

    /// <summary>Stops go to a queue of their own, so they never wait behind work that fills every slot.</summary>
    public static string ControlQueueName(string executorId) => $"executor-{executorId}-control";

    public static Uri ControlAddress(string executorId) => new($"exchange:{ControlQueueName(executorId)}");
}
