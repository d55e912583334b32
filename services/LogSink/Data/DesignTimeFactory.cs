using Jobs.ServiceDefaults;

namespace Jobs.LogSink.Data;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
public sealed class DesignTimeFactory() : DesignTimeDbContextFactory<LogsDbContext>(LogsDbContext.Schema);
