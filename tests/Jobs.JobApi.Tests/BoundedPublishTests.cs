using Jobs.ServiceDefaults;

namespace Jobs.JobApi.Tests;

/// <summary>A background loop's publish that never completes, even ignoring its token, is given up after its bound.</summary>
public sealed class BoundedPublishTests
{
    [Fact]
    public async Task APublishThatHangsAndIgnoresItsToken_FailsAfterTheBound()
    {
        var never = new TaskCompletionSource();
        CancellationToken given = default;
        var bounded = BoundedPublish.Within(token =>
        {
            given = token;
            return never.Task;
        }, TimeSpan.FromMilliseconds(200), CancellationToken.None);

        // The deadline only keeps a broken bound from hanging the test run.
        await Assert.ThrowsAsync<TimeoutException>(() => bounded.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(given.IsCancellationRequested, "the publish was not told to give up");
    }

    [Fact]
    public async Task APublishThatCompletes_Completes()
    {
        var published = false;
        await BoundedPublish.Within(_ =>
        {
            published = true;
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(published);
    }

    [Fact]
    public async Task StoppingTheLoop_CancelsAtOnce()
    {
        using var stopping = new CancellationTokenSource();
        var bounded = BoundedPublish.Within(_ => new TaskCompletionSource().Task, TimeSpan.FromMinutes(5), stopping.Token);
        stopping.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bounded.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
