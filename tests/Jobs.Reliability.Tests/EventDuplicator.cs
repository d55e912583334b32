using Jobs.Contracts;
using Jobs.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Jobs.Reliability.Tests;

/// <summary>
/// Copies every executor event (<see cref="JobStarted"/>, <see cref="JobLogChunk"/>, <see cref="JobAttemptFinished"/>)
/// as it is published and publishes the copy <see cref="Copies"/> times at once to the same exchange, racing the
/// original to every consumer: the duplicates at-least-once delivery may bring, all at the worst moment.
/// </summary>
public sealed class EventDuplicator : IAsyncDisposable
{
    public const int Copies = 10;

    /// <summary>Marks the copies, which come back to this queue too and must not be copied again.</summary>
    const string CopyHeader = "x-reliability-copy";

    static readonly Type[] Events = [typeof(JobStarted), typeof(JobLogChunk), typeof(JobAttemptFinished)];

    readonly IConnection connection;
    readonly IChannel listener;
    readonly IChannel[] publishers;
    long originals;
    long published;

    EventDuplicator(IConnection connection, IChannel listener, IChannel[] publishers)
    {
        this.connection = connection;
        this.listener = listener;
        this.publishers = publishers;
    }

    /// <summary>Events seen as the executors published them.</summary>
    public long Originals => Interlocked.Read(ref originals);

    /// <summary>Copies published.</summary>
    public long Published => Interlocked.Read(ref published);

    public static async Task<EventDuplicator> Start(ServerEndpoints servers, string virtualHost)
    {
        var factory = new ConnectionFactory
        {
            HostName = servers.RabbitHost,
            Port = servers.RabbitPort,
            VirtualHost = virtualHost,
            UserName = servers.RabbitUser,
            Password = servers.RabbitPassword,
            ClientProvidedName = "reliability event duplicator",
        };
        var connection = await factory.CreateConnectionAsync();
        var listener = await connection.CreateChannelAsync();
        // One channel per copy, so the copies leave side by side rather than one after another.
        var publishers = await Task.WhenAll(Enumerable.Range(0, Copies).Select(_ => connection.CreateChannelAsync()));
        var duplicator = new EventDuplicator(connection, listener, publishers);

        var queue = (await listener.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var type in Events)
        {
            // As MassTransit declares a message type's exchange, so whichever side comes first, both agree.
            var exchange = $"{type.Namespace}:{type.Name}";
            await listener.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await listener.QueueBindAsync(queue, exchange, "");
        }
        var consumer = new AsyncEventingBasicConsumer(listener);
        consumer.ReceivedAsync += (_, delivery) => duplicator.Copy(delivery);
        await listener.BasicConsumeAsync(queue, autoAck: true, consumer);
        return duplicator;
    }

    async Task Copy(BasicDeliverEventArgs delivery)
    {
        if (delivery.BasicProperties.Headers?.ContainsKey(CopyHeader) == true)
            return;
        Interlocked.Increment(ref originals);
        var body = delivery.Body.ToArray();
        var properties = new BasicProperties(delivery.BasicProperties)
        {
            Headers = new Dictionary<string, object?>(delivery.BasicProperties.Headers ?? new Dictionary<string, object?>()) { [CopyHeader] = 1 },
        };
        await Task.WhenAll(publishers.Select(channel => channel.BasicPublishAsync(delivery.Exchange, "", mandatory: false, properties, body).AsTask()));
        Interlocked.Add(ref published, publishers.Length);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in publishers)
            await channel.DisposeAsync();
        await listener.DisposeAsync();
        await connection.DisposeAsync();
    }
}
