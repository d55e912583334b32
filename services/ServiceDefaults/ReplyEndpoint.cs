using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Jobs.ServiceDefaults;

/// <summary>
/// Where the answers to this process's requests come back. MassTransit's default is the bus's own temporary exchange,
/// which the broker removes the moment the process's connection goes. A request still queued when its requester died
/// (a JobApi replica SIGKILLed with submits in flight) was then answered into an exchange that no longer existed, and
/// the broker closed the responder's channel for it (404) — the channel the saga consumes on. Enough of those wedged
/// the surviving replica's connection for minutes (no channel could be opened, every submit timed out).
/// <para>
/// So answers go to one durable headers exchange, <see cref="Exchange"/>, that always exists, and each requester binds
/// its own temporary queue to it by a header its requests carry (<see cref="Header"/>; MassTransit copies a request's
/// headers onto its response and onto its fault). The answer to a requester that is gone matches no binding and is
/// dropped by the broker, and the responder's channel stays open. The binding goes with the queue when the requester
/// disconnects; MassTransit declares it again on every reconnect.
/// </para>
/// </summary>
public sealed class ReplyEndpoint(IBus bus) : IHostedService
{
    /// <summary>The exchange every answer is sent to.</summary>
    public const string Exchange = "jobs.replies";

    /// <summary>The header that names the requester's queue; its binding matches on it.</summary>
    public const string Header = "Jobs-Reply-To";

    HostReceiveEndpointHandle? handle;
    IClientFactory? factory;
    readonly Readiness readiness = new();

    /// <summary>The name of this process's reply queue (and the value of <see cref="Header"/> on its requests).</summary>
    public string QueueName { get; } = DefaultEndpointNameFormatter.GetTemporaryQueueName("replies");

    /// <summary>Creates request clients whose answers come back here; valid once the host has started.</summary>
    public IClientFactory Factory => factory ?? throw new InvalidOperationException("The reply endpoint has not started yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        handle = bus.ConnectReceiveEndpoint(QueueName, endpoint =>
        {
            var rabbit = (IRabbitMqReceiveEndpointConfigurator)endpoint;
            // Lives as long as this process's connection, like MassTransit's own response endpoint.
            rabbit.Durable = false;
            rabbit.AutoDelete = true;
            rabbit.ConfigureConsumeTopology = false;
            rabbit.Bind(Exchange, binding =>
            {
                binding.ExchangeType = ExchangeType.Headers;
                binding.Durable = true;
                binding.AutoDelete = false;
                binding.SetBindingArgument("x-match", "all");
                binding.SetBindingArgument(Header, QueueName);
            });
            // An answer nobody waits for any more (its request timed out) is dropped, not parked in a queue.
            rabbit.DiscardSkippedMessages();
            rabbit.DiscardFaultedMessages();
            rabbit.ConnectReceiveEndpointObserver(readiness);
        });
        await handle.Ready.WaitAsync(cancellationToken);
        var answersTo = new Uri(handle.ReceiveEndpoint.InputAddress, $"{Exchange}?type={ExchangeType.Headers}");
        factory = new MassTransit.Clients.ClientFactory(new ReplyClientFactoryContext(bus, handle, answersTo, QueueName, readiness));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (handle is not null)
            await handle.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Whether the reply queue is consumed now. After the broker came back, each endpoint reconnects on its own retry
    /// schedule, so the saga may answer before this queue and its binding are back; an answer that finds no binding is
    /// dropped. So a request waits (within its timeout) until the queue is back before it goes out.
    /// </summary>
    internal sealed class Readiness : IReceiveEndpointObserver
    {
        TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task WhenReady(CancellationToken cancellationToken) => Volatile.Read(ref ready).Task.WaitAsync(cancellationToken);

        public Task Ready(ReceiveEndpointReady ready)
        {
            Volatile.Read(ref this.ready).TrySetResult();
            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => NotReady();

        public Task Completed(ReceiveEndpointCompleted completed) => NotReady();

        public Task Faulted(ReceiveEndpointFaulted faulted) => NotReady();

        Task NotReady()
        {
            var current = Volatile.Read(ref ready);
            if (current.Task.IsCompleted)
                Interlocked.CompareExchange(ref ready, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// Request clients answered through <see cref="ReplyEndpoint.Exchange"/>: the answer address is that exchange, and
/// every request carries the header its reply queue's binding matches.
/// </summary>
sealed class ReplyClientFactoryContext(IBus bus, HostReceiveEndpointHandle handle, Uri responseAddress, string replyTo, ReplyEndpoint.Readiness readiness)
    : ClientFactoryContext
{
    readonly MassTransit.Clients.ReceiveEndpointClientFactoryContext inner = new(handle);
    // Requests go out through the bus, as MassTransit's own clients send them.
    readonly MassTransit.Clients.BusClientFactoryContext sender = new(bus);

    public RequestTimeout DefaultTimeout => inner.DefaultTimeout;

    public Uri ResponseAddress => responseAddress;

    public ConnectHandle ConnectConsumePipe<T>(IPipe<ConsumeContext<T>> pipe) where T : class => inner.ConnectConsumePipe(pipe);

    public ConnectHandle ConnectConsumePipe<T>(IPipe<ConsumeContext<T>> pipe, ConnectPipeOptions options) where T : class =>
        inner.ConnectConsumePipe(pipe, options);

    public ConnectHandle ConnectRequestPipe<T>(Guid requestId, IPipe<ConsumeContext<T>> pipe) where T : class => inner.ConnectRequestPipe(requestId, pipe);

    public IRequestSendEndpoint<T> GetRequestEndpoint<T>(ConsumeContext? consumeContext = null) where T : class =>
        new Tagged<T>(sender.GetRequestEndpoint<T>(consumeContext), replyTo, readiness);

    public IRequestSendEndpoint<T> GetRequestEndpoint<T>(Uri destinationAddress, ConsumeContext? consumeContext = null) where T : class =>
        new Tagged<T>(sender.GetRequestEndpoint<T>(destinationAddress, consumeContext), replyTo, readiness);

    /// <summary>Sends once the reply queue is consumed, with the header its binding matches.</summary>
    sealed class Tagged<T>(IRequestSendEndpoint<T> endpoint, string replyTo, ReplyEndpoint.Readiness readiness) : IRequestSendEndpoint<T> where T : class
    {
        public async Task<T> Send(Guid requestId, object values, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken)
        {
            await readiness.WhenReady(cancellationToken);
            return await endpoint.Send(requestId, values, new TagPipe(pipe, replyTo), cancellationToken);
        }

        public async Task Send(Guid requestId, T message, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken)
        {
            await readiness.WhenReady(cancellationToken);
            await endpoint.Send(requestId, message, new TagPipe(pipe, replyTo), cancellationToken);
        }

        sealed class TagPipe(IPipe<SendContext<T>> next, string replyTo) : IPipe<SendContext<T>>
        {
            public Task Send(SendContext<T> context)
            {
                context.Headers.Set(ReplyEndpoint.Header, replyTo);
                return next.Send(context);
            }

            public void Probe(ProbeContext context) => next.Probe(context);
        }
    }
}

public static class ReplyEndpointExtensions
{
    /// <summary>
    /// The <see cref="ReplyEndpoint"/>, started after the bus: register after <c>AddJobsMessaging</c>, with
    /// <see cref="MassTransitHostOptions.WaitUntilStarted"/>, so no request is taken before answers can come back.
    /// </summary>
    public static IServiceCollection AddJobsReplyEndpoint(this IServiceCollection services)
    {
        services.AddSingleton<ReplyEndpoint>();
        return services.AddHostedService(provider => provider.GetRequiredService<ReplyEndpoint>());
    }

    /// <summary>A request client for <typeparamref name="T"/> answered through the <see cref="ReplyEndpoint"/>.</summary>
    public static IServiceCollection AddJobsRequestClient<T>(this IServiceCollection services, TimeSpan timeout) where T : class =>
        services.AddSingleton(provider => provider.GetRequiredService<ReplyEndpoint>().Factory.CreateRequestClient<T>(timeout));
}
