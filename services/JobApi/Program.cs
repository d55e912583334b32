using MassTransit;
using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.Endpoints;
using Jobs.JobApi.Persistence;
using Jobs.JobApi.StateMachines;
using Jobs.ServiceDefaults;
using JobStateMachine = Jobs.JobApi.StateMachines.JobStateMachine;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobsDatabase<JobApiDbContext>(JobApiDbContext.Schema);
builder.AddJobsMessaging(
    x =>
    {
        // The saga's timers are MassTransit scheduling messages, kept durably by the Scheduler.
        x.AddPublishMessageScheduler();
        x.AddSagaStateMachine<JobStateMachine, JobState, JobStateDefinition>().EfCoreRepository<JobState, JobApiDbContext>();
        x.AddRequestClient<SubmitJob>(TimeSpan.FromSeconds(30));
        x.AddRequestClient<CancelJob>(TimeSpan.FromSeconds(30));
        x.AddRequestClient<SetExecutorDrain>(TimeSpan.FromSeconds(10));
        x.AddRequestClient<ListExecutors>(TimeSpan.FromSeconds(10));
    },
    (_, bus) => bus.UsePublishMessageScheduler());
builder.Services.AddSingleton<LogReader>();
builder.Services.AddSingleton<LogListener>();
builder.Services.AddHostedService(services => services.GetRequiredService<LogListener>());
builder.Services.AddSingleton<IdempotencyKeys>();
builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
// Unparsable query parameters become exceptions, which BadRequestExceptionHandler answers naming the parameter.
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapJobEndpoints();
app.MapLogEndpoints();
app.MapExecutorEndpoints();

app.Run();

public partial class Program;
