using System.Net.Mime;
using MassTransit;
using MassTransit.Serialization;
using Quartz;

namespace Jobs.Scheduler.Timers;

/// <summary>
/// Fires a scheduled message: sends the stored body, as it was serialized when scheduled, to its destination with the
/// scheduling token in a header. A failed send is retried by Quartz a few times, then left to the misfire handling.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class ForwardScheduledMessageJob(IBus bus, ILogger<ForwardScheduledMessageJob> logger) : IJob
{
    const int MaxRefires = 5;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var data = context.MergedJobDataMap;
        var destination = new Uri(data.GetString(ScheduledMessageData.Destination)!);
        try
        {
            var endpoint = await bus.GetSendEndpoint(destination);
            await endpoint.Send(
                new SerializedMessageBody(),
                new ForwardPipe(
                    new ContentType(data.GetString(ScheduledMessageData.ContentType)!),
                    data.GetString(ScheduledMessageData.Body)!,
                    data.GetString(ScheduledMessageData.MessageTypes)!.Split(';'),
                    Guid.Parse(data.GetString(ScheduledMessageData.TokenId)!),
                    destination),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogForwardFailed(ex, destination);
            throw new JobExecutionException(ex) { RefireImmediately = context.RefireCount < MaxRefires };
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not send a scheduled message to {Destination}")]
    partial void LogForwardFailed(Exception exception, Uri destination);

    /// <summary>Puts the stored body back on the wire as the message it was, with its types and the token header.</summary>
    sealed class ForwardPipe(ContentType contentType, string body, string[] messageTypes, Guid tokenId, Uri destination) : IPipe<SendContext>
    {
        public Task Send(SendContext context)
        {
            var deserializer = context.Serialization.GetMessageDeserializer(contentType);
            var serializerContext = deserializer.Deserialize(deserializer.GetMessageBody(body), new DictionarySendHeaders(new Dictionary<string, object?>()), destination);
            context.Serializer = serializerContext.GetMessageSerializer();
            context.SupportedMessageTypes = messageTypes;
            context.Headers.Set(ScheduledMessageData.TokenHeader, tokenId.ToString("N"));
            return Task.CompletedTask;
        }

        public void Probe(ProbeContext context)
        {
        }
    }
}
