using Jobs.Scheduler.Consumers;
using Jobs.Scheduler.Data;
using Jobs.Scheduler.Placement;
using Jobs.Scheduler.Timers;
using Jobs.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobsDatabase<SchedulerDbContext>(SchedulerDbContext.Schema);
builder.AddJobsMessaging(x =>
{
    x.AddConsumer<ExecutorHeartbeatConsumer>();
    x.AddConsumer<PlaceJobConsumer>();
    x.AddConsumer<AttemptFinishedConsumer>();
    x.AddConsumer<JobEndedConsumer>();
    x.AddConsumer<ScheduleMessageConsumer>();
    x.AddConsumer<SetExecutorDrainConsumer>();
    x.AddConsumer<ListExecutorsConsumer>();
});
builder.BoundEndpointStops();
builder.AddDurableTimers();
builder.Services.Configure<SchedulerOptions>(builder.Configuration.GetSection(SchedulerOptions.Section));
builder.Services.AddSingleton<PlacementStore>();
builder.Services.AddSingleton<PlacementSignal>();
builder.Services.AddHostedService<PlacementLoop>();
builder.Services.AddHostedService<LostExecutorMonitor>();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
