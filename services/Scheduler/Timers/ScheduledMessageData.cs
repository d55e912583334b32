namespace Jobs.Scheduler.Timers;

/// <summary>The keys under which a scheduled message is kept in its Quartz trigger's job data.</summary>
public static class ScheduledMessageData
{
    public const string Destination = nameof(Destination);
    public const string Body = nameof(Body);
    public const string ContentType = nameof(ContentType);
    public const string MessageTypes = nameof(MessageTypes);
    public const string TokenId = nameof(TokenId);

    /// <summary>The one Quartz job every scheduled message fires; the message itself travels in the trigger.</summary>
    public static readonly Quartz.JobKey Job = new("forward-scheduled-message", "jobs");

    /// <summary>Header MassTransit's schedule APIs use to tell a scheduled delivery's token.</summary>
    public const string TokenHeader = "MT-Scheduling-TokenId";

    public static Quartz.TriggerKey Trigger(Guid tokenId) => new(tokenId.ToString("N"), "jobs");
}
