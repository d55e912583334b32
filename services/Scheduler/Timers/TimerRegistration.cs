using Jobs.ServiceDefaults;
using Quartz;

namespace Jobs.Scheduler.Timers;

/// <summary>Quartz.NET on the shared PostgreSQL database, clustered, holding MassTransit's scheduled messages.</summary>
public static class TimerRegistration
{
    public static IHostApplicationBuilder AddDurableTimers(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(DatabaseExtensions.ConnectionName)!;
        builder.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                // One name for every Scheduler instance (they form one cluster), a generated id for each.
                scheduler.InstanceName = "jobs-timers";
                scheduler.GenerateInstanceId = true;
                scheduler.IdleWaitTime = TimeSpan.FromSeconds(1);
            });
            quartz.AddJob<ForwardScheduledMessageJob>(job => job.WithIdentity(ScheduledMessageData.Job).StoreDurably());
            quartz.UsePersistentStore(store =>
            {
                store.ConfigureStore(options =>
                {
                    options.TablePrefix = "scheduler.qrtz_";
                    options.MisfireThreshold = TimeSpan.FromSeconds(5);
                });
                store.UsePostgres(connectionString);
                // Quartz creates its own tables (in our schema, made by the migrations that run first) when missing, and
                // checks them otherwise: its layout belongs to the Quartz version we run.
                store.ProvisionSchema();
                store.UseSystemTextJsonSerializer(_ => { });
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = TimeSpan.FromSeconds(5);
                    cluster.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                });
            });
        });
        // Registered after the database, so migrations (which create the schema) run before Quartz starts.
        builder.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        return builder;
    }
}
