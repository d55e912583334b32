using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Jobs.ServiceDefaults;

/// <summary>
/// Around every consume: a log scope with the message's <c>JobId</c> (and <c>Attempt</c>) when it has them, so each log
/// line of the handling says which job it is about, and a count of messages the broker delivered again.
/// </summary>
public sealed class ConsumeTelemetryFilter<T>(ILogger<ConsumeTelemetryFilter<T>> logger) : IFilter<ConsumeContext<T>>
    where T : class
{
    static readonly PropertyInfo? JobId = JobProperty("JobId", typeof(Guid));
    static readonly PropertyInfo? Attempt = JobProperty("Attempt", typeof(int));

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (context.ReceiveContext.Redelivered)
            ConsumeTelemetry.RecordRedelivery(typeof(T).Name);
        if (JobId is null)
        {
            await next.Send(context);
            return;
        }
        using (logger.BeginScope(new JobLogScope(JobId.GetValue(context.Message), Attempt?.GetValue(context.Message))))
            await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("jobTelemetry");

    static PropertyInfo? JobProperty(string name, Type type) =>
        typeof(T).GetProperty(name) is { } property && property.PropertyType == type ? property : null;
}

/// <summary>A log scope that structured sinks read as fields and consoles print as <c>JobId:…, Attempt:…</c>.</summary>
public sealed class JobLogScope(object? jobId, object? attempt) : IReadOnlyList<KeyValuePair<string, object?>>
{
    readonly KeyValuePair<string, object?>[] fields = attempt is null
        ? [new("JobId", jobId)]
        : [new("JobId", jobId), new("Attempt", attempt)];

    public KeyValuePair<string, object?> this[int index] => fields[index];
    public int Count => fields.Length;
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)fields).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    public override string ToString() => string.Join(", ", fields.Select(f => $"{f.Key}:{f.Value}"));
}

/// <summary>The <c>Jobs.Messaging</c> meter: messages redelivered by the broker (a consumer died or failed before acking).</summary>
public static class ConsumeTelemetry
{
    public const string Name = "Jobs.Messaging";

    static readonly Meter Meter = new(Name);
    static readonly Counter<long> Redelivered = Meter.CreateCounter<long>("messages.redelivered", "{message}", "Messages the broker delivered again, by type");
    static readonly ConcurrentDictionary<string, KeyValuePair<string, object?>> Tags = new();

    public static void RecordRedelivery(string messageType) =>
        Redelivered.Add(1, Tags.GetOrAdd(messageType, type => new KeyValuePair<string, object?>("message", type)));
}
