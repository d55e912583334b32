using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using Npgsql;
using Quartz;

namespace Jobs.Scheduler.Timers;

/// <summary>
/// The durable side of MassTransit's scheduling protocol: a saga's <c>Schedule(...)</c> publishes
/// <see cref="ScheduleMessage"/>, kept here as a Quartz trigger in PostgreSQL (clustered: a trigger fires on exactly
/// one Scheduler instance, and survives restarts of every service); <see cref="CancelScheduledMessage"/> removes it,
/// or, if it comes first, keeps the schedule from ever being made.
/// </summary>
public sealed class ScheduleMessageConsumer(ISchedulerFactory schedulers, NpgsqlDataSource dataSource) :
    IConsumer<ScheduleMessage>,
    IConsumer<CancelScheduledMessage>
{
    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var message = context.Message;
        if (await WasCanceled(message.CorrelationId, context.CancellationToken))
            return;

        var body = context.SerializerContext.GetMessageSerializer(message.Payload, message.PayloadType)
            .GetMessageBody(new MessageSendContext<ScheduleMessage>(message));
        var trigger = TriggerBuilder.Create()
            .WithIdentity(ScheduledMessageData.Trigger(message.CorrelationId))
            .ForJob(ScheduledMessageData.Job)
            .StartAt(message.ScheduledTime.ToUniversalTime())
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .UsingJobData(ScheduledMessageData.Destination, message.Destination.ToString())
            .UsingJobData(ScheduledMessageData.Body, body.GetString())
            .UsingJobData(ScheduledMessageData.ContentType, context.ReceiveContext.ContentType?.ToString() ?? "application/vnd.masstransit+json")
            .UsingJobData(ScheduledMessageData.MessageTypes, string.Join(';', message.PayloadType))
            .UsingJobData(ScheduledMessageData.TokenId, message.CorrelationId.ToString("N"))
            .Build();

        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        // A redelivered schedule replaces itself, so there is one trigger per token.
        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions { Replace = true }, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<CancelScheduledMessage> context)
    {
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        if (!await scheduler.UnscheduleJob(ScheduledMessageData.Trigger(context.Message.TokenId), context.CancellationToken))
            await RememberCancel(context.Message.TokenId, context.CancellationToken);
    }

    async Task<bool> WasCanceled(Guid tokenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT FROM scheduler.canceled_schedules WHERE token_id = $1)");
        command.Parameters.Add(new() { Value = tokenId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    async Task RememberCancel(Guid tokenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO scheduler.canceled_schedules (token_id, canceled_at) VALUES ($1, now()) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new() { Value = tokenId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
