using MassTransit;
using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.Endpoints;
using Jobs.JobApi.Persistence;
using Jobs.JobApi.Security;
using Jobs.JobApi.StateMachines;
using Jobs.ServiceDefaults;
using Jobs.ServiceDefaults.Security;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    },
    (_, bus) => bus.UsePublishMessageScheduler());
builder.BoundEndpointStops();
// Requests are taken only once the bus and the endpoint their answers come back to are up (see ReplyEndpoint).
builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
builder.Services.AddJobsReplyEndpoint()
    .AddJobsRequestClient<SubmitJob>(TimeSpan.FromSeconds(30))
    .AddJobsRequestClient<CancelJob>(TimeSpan.FromSeconds(30))
    .AddJobsRequestClient<SetExecutorDrain>(TimeSpan.FromSeconds(10))
    .AddJobsRequestClient<ListExecutors>(TimeSpan.FromSeconds(10));
builder.Services.AddOptions<StalledJobOptions>().BindConfiguration(StalledJobOptions.Section)
    .Validate(o => o.StallAfter > TimeSpan.Zero && o.Interval > TimeSpan.Zero && o.MaxBackoff >= o.StallAfter && o.BatchSize > 0,
        $"{StalledJobOptions.Section}: StallAfter and Interval must be positive, MaxBackoff at least StallAfter, BatchSize above 0")
    .ValidateOnStart();
builder.Services.TryAddSingleton(TimeProvider.System);
builder.Services.AddHostedService<StalledJobSweeper>();
builder.Services.AddSingleton<LogReader>();
builder.Services.AddSingleton<LogListener>();
builder.Services.AddHostedService(services => services.GetRequiredService<LogListener>());
builder.Services.AddSingleton<IdempotencyKeys>();
builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
// Unparsable query parameters become exceptions, which BadRequestExceptionHandler answers naming the parameter.
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();

// The same credentials the gateway checks, checked again here: a request that bypasses the gateway gets nothing more.
builder.AddJobsAuthentication<ApiKeyHandler>();
builder.Services.Configure<CommandPolicyOptions>(builder.Configuration.GetSection(CommandPolicyOptions.Section));
builder.Services.AddSingleton<CommandPolicyEvaluator>();
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddJobsRateLimits(builder.Configuration);
builder.Services.Configure<ForwardedHeadersOptions>(options =>
{
    // The gateway says who the client is; only proxies on loopback (the default) are believed unless configured.
    options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
});
builder.Services.AddJobsOpenApi();

var app = builder.Build();

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapOpenApi(JobsOpenApi.Route).AllowAnonymous();
app.MapJobEndpoints();
app.MapLogEndpoints();
app.MapExecutorEndpoints();
app.MapApiKeyEndpoints();
app.MapAuditEndpoints();

app.Run();

public partial class Program;
