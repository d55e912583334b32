namespace Jobs.ServiceDefaults;

/// <summary>
/// Publishing from a background loop (not a consumer) for a bounded time. A publish on a connection the broker has
/// just dropped, before RabbitMQ.Client has seen it die, can wait for good (rabbitmq-dotnet-client issue 1930) and
/// sometimes ignores its token; a loop awaiting it would stop for good too (the Scheduler's placement loop did,
/// leaving jobs Pending after a broker kill). The publish is cancelled after <see cref="Timeout"/>, and waited for no
/// longer than that either way; the caller treats it as failed and tries again on its next round.
/// </summary>
public static class BoundedPublish
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task Within(Func<CancellationToken, Task> publish, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await publish(bounded.Token).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The wait may end a moment before the token's own timer: the publish is told to give up either way.
            await bounded.CancelAsync();
            throw;
        }
    }

    public static Task Within(Func<CancellationToken, Task> publish, CancellationToken cancellationToken) =>
        Within(publish, Timeout, cancellationToken);
}
