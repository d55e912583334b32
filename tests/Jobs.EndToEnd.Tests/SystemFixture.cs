using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>One running system shared by the end-to-end tests: starting five services takes seconds, not milliseconds.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    JobsSystem? system;

    public JobsSystem System => system ?? throw new InvalidOperationException("The system has not started.");

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 2, slotsPerExecutor: 4);

    public async Task DisposeAsync()
    {
        if (system is not null)
            await system.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}
