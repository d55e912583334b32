using Jobs.Contracts;
using Jobs.Executor;
using Jobs.Executor.Consumers;
using Jobs.Executor.Execution;
using Jobs.Executor.Registration;
using Jobs.ServiceDefaults;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);

var executor = builder.Configuration.GetSection(ExecutorOptions.Section).Get<ExecutorOptions>() ?? new ExecutorOptions();
builder.Services.Configure<ExecutorOptions>(builder.Configuration.GetSection(ExecutorOptions.Section));

builder.AddServiceDefaults();
builder.AddJobsMessaging(
    x => x.AddConsumer<ExecuteJobConsumer>().ExcludeFromConfigureEndpoints(),
    (context, bus) =>
    {
        // This executor's own queue: only what is sent to it, as many at once as it has slots.
        bus.ReceiveEndpoint(ExecutorEndpoint.QueueName(executor.Id), endpoint =>
        {
            endpoint.ConfigureConsumeTopology = false;
            endpoint.SetQuorumQueue();
            endpoint.PrefetchCount = executor.Slots;
            endpoint.ConcurrentMessageLimit = executor.Slots;
            endpoint.ConfigureConsumer<ExecuteJobConsumer>(context);
        });
    });
builder.Services.AddMassTransit<IControlBus>(x =>
{
    x.AddConsumer<StopJobConsumer>().ExcludeFromConfigureEndpoints();
    x.AddConsumer<ReportAttemptConsumer>().ExcludeFromConfigureEndpoints();
    x.UsingRabbitMq((context, bus) =>
    {
        bus.UseJobsRabbitMq(builder, "control");
        // Its control queue: stops (and requests to report a finish again) are handled at once, however busy the slots are.
        bus.ReceiveEndpoint(ExecutorEndpoint.ControlQueueName(executor.Id), endpoint =>
        {
            endpoint.ConfigureConsumeTopology = false;
            endpoint.SetQuorumQueue();
            endpoint.ConfigureConsumer<StopJobConsumer>(context);
            endpoint.ConfigureConsumer<ReportAttemptConsumer>(context);
        });
    });
});
builder.Services.AddSingleton<AttemptRegistry>();
builder.Services.AddSingleton(_ => Cgroups.Detect());
builder.Services.AddSingleton(ExecutionPolicy.From(executor));
builder.Services.AddSingleton<DrainState>();
builder.Services.AddHostedService<HeartbeatService>();
// Stopped before the heartbeat and the bus (hosted services stop in reverse order), so both work while it drains.
builder.Services.AddHostedService<DrainOnShutdown>();
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = executor.DrainTimeout + TimeSpan.FromSeconds(30));

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
