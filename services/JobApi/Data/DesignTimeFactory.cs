using Jobs.ServiceDefaults;

namespace Jobs.JobApi.Data;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
public sealed class DesignTimeFactory() : DesignTimeDbContextFactory<JobApiDbContext>(JobApiDbContext.Schema);
