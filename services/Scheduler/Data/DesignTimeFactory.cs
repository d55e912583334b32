using Jobs.ServiceDefaults;

namespace Jobs.Scheduler.Data;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
public sealed class DesignTimeFactory() : DesignTimeDbContextFactory<SchedulerDbContext>(SchedulerDbContext.Schema);
