using Jobs.LogSink.Consumers;
using Jobs.LogSink.Data;
using Jobs.LogSink.Storage;
using Jobs.ServiceDefaults;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobsDatabase<LogsDbContext>(LogsDbContext.Schema);
builder.AddJobsMessaging(x => x.AddConsumer<LogChunkBatchConsumer, LogChunkBatchConsumerDefinition>());
builder.Services.AddSingleton<LogChunkWriter>();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

public partial class Program;
