using System.Net.Sockets;
using Jobs.Contracts;
using Jobs.ServiceDefaults;
using MassTransit;
using Npgsql;

namespace Jobs.JobApi.Tests;

/// <summary>The bus retry the saga host shares with production (<c>UseJobsRetry</c>): which of its two policies takes which failure.</summary>
public sealed class JobsRetryTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    static readonly JobSpec Spec = new("true", [], false, "default");

    [Fact]
    public async Task DatabaseAway_IsRetriedByTheDatabaseAwayPolicy_AnyOtherFailureByTheShortOne()
    {
        var databaseAway = NewId.NextGuid();
        var other = NewId.NextGuid();
        var failures = new FailSubmitOnce(new Dictionary<Guid, Exception>
        {
            [databaseAway] = new NpgsqlException("Failed to connect.", new SocketException((int)SocketError.ConnectionRefused)),
            [other] = new InvalidOperationException("Not the database."),
        });
        await using var host = await SagaHost.Start(fixture, failures);
        var client = host.Harness.GetRequestClient<SubmitJob>();

        foreach (var jobId in new[] { databaseAway, other })
        {
            var accepted = await client.GetResponse<JobAccepted>(new SubmitJob(jobId, Spec, DateTimeOffset.UtcNow));
            Assert.Equal(new JobAccepted(jobId, "Pending"), accepted.Message);
        }

        Assert.Equal(
            [
                (failures.Thrown[databaseAway], MessagingExtensions.DatabaseAwayRetryIntervals[0]),
                (failures.Thrown[other], MessagingExtensions.ShortRetryIntervals[0]),
            ],
            host.Retries.Retried.Select(r => (r.Exception, r.Delay ?? TimeSpan.Zero)));
    }

    /// <summary>Fails the first delivery of each listed job's SubmitJob with its exception, before the saga runs.</summary>
    sealed class FailSubmitOnce(IReadOnlyDictionary<Guid, Exception> failures) : IFilter<ConsumeContext>
    {
        readonly HashSet<Guid> failed = [];

        public IReadOnlyDictionary<Guid, Exception> Thrown => failures;

        public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
        {
            if (context.TryGetMessage<SubmitJob>(out var submit) && failures.TryGetValue(submit.Message.JobId, out var failure))
            {
                lock (failed)
                {
                    if (failed.Add(submit.Message.JobId))
                        throw failure;
                }
            }
            return next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("failSubmitOnce");
    }
}
