using Jobs.LogSink.Consumers;
using Jobs.LogSink.Data;
using Jobs.LogSink.Retention;
using Jobs.LogSink.Storage;
using Jobs.ServiceDefaults;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobsDatabase<LogsDbContext>(LogsDbContext.Schema);
builder.AddJobsMessaging(x =>
{
    x.AddConsumer<LogChunkBatchConsumer, LogChunkBatchConsumerDefinition>();
    x.AddConsumer<RetentionClockConsumer>();
});
builder.BoundEndpointStops();
builder.Services.AddSingleton<LogChunkWriter>();
builder.Services.Configure<RetentionOptions>(builder.Configuration.GetSection(RetentionOptions.Section));
builder.Services.AddSingleton<LogRetention>();
builder.Services.AddHostedService<RetentionService>();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
