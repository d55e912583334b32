using System.Text;
using System.Text.Json;
using Jobs.Contracts;
using Jobs.Testing;
using MassTransit;
using MassTransit.Testing;
using RabbitMQ.Client;

namespace Jobs.JobApi.Tests;

/// <summary>
/// A JobApi killed after the saga committed a change but before its outbox sent what the change produced: the broker
/// delivers the message again, and the job must not wait forever for a message nobody sent.
/// </summary>
public sealed class RedeliveryTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    static readonly JobSpec Spec = new("true", [], false, "default");
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PlacementRedeliveredAfterItsCommit_SendsTheLostExecuteJobAgain_APlainDuplicateDoesNot()
    {
        var jobId = NewId.NextGuid();
        await using (var first = await SagaHost.Start(fixture))
        {
            await first.Harness.GetRequestClient<SubmitJob>().GetResponse<JobAccepted>(new SubmitJob(jobId, Spec, DateTimeOffset.UtcNow));
            await first.Harness.Bus.Publish(new JobPlaced(jobId, 1, "e1"));
            await Eventually.Get(() => Status(jobId), status => status == "Assigned", Deadline, "the job to be assigned");
        }

        // The placement as the broker gives it back after a crash: delivered once, never acknowledged, so redelivered.
        await Redelivered(new JobPlaced(jobId, 1, "e1"));
        await using var second = await SagaHost.Start(fixture);

        await Eventually.Get(
            () => Task.FromResult(second.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count()),
            count => count == 1, Deadline, "ExecuteJob to be sent again");
        Assert.Equal("Assigned", await Status(jobId));

        // A duplicate that is not a redelivery (the first delivery's messages left) sends nothing more.
        await second.Harness.Bus.Publish(new JobPlaced(jobId, 1, "e1"));
        await Eventually.Get(
            () => Task.FromResult(second.Harness.Consumed.Select<JobPlaced>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count()),
            count => count == 2, Deadline, "the duplicate to be consumed");
        Assert.Single(second.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    [Fact]
    public async Task SubmitRetriedAfterItsCommit_SendsThePlacementRequestAgain()
    {
        // The first attempt commits the new job, then fails before its outbox sends (as when the broker refuses the send,
        // or the commit's answer is lost with the connection): its placement request is discarded, and the retry finds
        // the job made.
        var jobId = NewId.NextGuid();
        var failAfter = new FailOnceAfter(jobId);
        await using var host = await SagaHost.Start(fixture, failAfter);

        await host.Harness.GetRequestClient<SubmitJob>().GetResponse<JobAccepted>(new SubmitJob(jobId, Spec, DateTimeOffset.UtcNow));

        Assert.True(failAfter.Failed);
        await Eventually.Get(
            () => Task.FromResult(host.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count()),
            count => count == 1, Deadline, "the placement request to be sent by the retry");
        Assert.Equal("Pending", await Status(jobId));
    }

    [Fact]
    public async Task SubmitRetriedBeforeAnyCommit_SendsNothingMore()
    {
        // A failure before the commit (here: before the saga ran at all) rolls everything back; the retry makes the job once.
        var jobId = NewId.NextGuid();
        var failBefore = new FailOnceAfter(jobId, before: true);
        await using var host = await SagaHost.Start(fixture, failBefore);

        await host.Harness.GetRequestClient<SubmitJob>().GetResponse<JobAccepted>(new SubmitJob(jobId, Spec, DateTimeOffset.UtcNow));

        Assert.True(failBefore.Failed);
        Assert.True(await host.Harness.Published.Any<PlaceJob>(x => x.Context.Message.JobId == jobId), "no placement request");
        // Its sagas' deliveries done (the one below included), nothing more was sent.
        await host.Harness.Bus.Publish(new JobPlaced(jobId, 1, "e1"));
        await Eventually.Get(() => Status(jobId), status => status == "Assigned", Deadline, "the job to be assigned");
        Assert.Single(host.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    /// <summary>Fails a job's SubmitJob once, after (or before) the saga and its repository ran, inside the outbox.</summary>
    sealed class FailOnceAfter(Guid jobId, bool before = false) : IFilter<ConsumeContext>
    {
        int failed;

        public bool Failed => Volatile.Read(ref failed) == 1;

        public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
        {
            var ours = context.TryGetMessage<SubmitJob>(out var submit) && submit.Message.JobId == jobId;
            if (ours && before && Interlocked.Exchange(ref failed, 1) == 0)
                throw new InvalidOperationException("Injected failure before the saga ran.");
            await next.Send(context);
            if (ours && !before && Interlocked.Exchange(ref failed, 1) == 0)
                throw new InvalidOperationException("Injected failure after the saga committed.");
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("failOnceAfter");
    }

    async Task<string?> Status(Guid jobId) => (await JobRow.Read(fixture.Sql, jobId))?.Status;

    /// <summary>Puts <paramref name="message"/> on the saga queue flagged redelivered: taken once without an ack, then returned.</summary>
    async Task Redelivered(JobPlaced message)
    {
        var servers = fixture.Servers;
        var factory = new ConnectionFactory
        {
            HostName = servers.RabbitHost,
            Port = servers.RabbitPort,
            VirtualHost = fixture.VirtualHost.Name,
            UserName = servers.RabbitUser,
            Password = servers.RabbitPassword,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var envelope = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = NewId.NextGuid(),
            messageType = new[] { $"urn:message:{typeof(JobPlaced).Namespace}:{nameof(JobPlaced)}" },
            message,
            sentTime = DateTime.UtcNow,
        }, JsonSerializerOptions.Web);
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
        await channel.BasicPublishAsync("", "job-saga", mandatory: true, properties, envelope);

        var taken = await Eventually.Get(() => channel.BasicGetAsync("job-saga", autoAck: false), got => got is not null, Deadline, "the placement on the saga queue");
        Assert.Equal(message.JobId.ToString(), JsonDocument.Parse(Encoding.UTF8.GetString(taken!.Body.Span)).RootElement.GetProperty("message").GetProperty("jobId").GetString());
        await channel.BasicNackAsync(taken.DeliveryTag, multiple: false, requeue: true);
    }
}
