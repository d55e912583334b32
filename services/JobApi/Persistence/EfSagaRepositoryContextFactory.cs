using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Persistence;

/// <summary>
/// The transaction boundary of a saga repository on EF Core and PostgreSQL: each delivery gets a fresh DbContext and a
/// transaction; the instance is read with <c>SELECT … FOR UPDATE</c>, so two deliveries for one saga, in any process,
/// run one after the other. A lost race to insert a new instance fails on the primary key and is retried by the endpoint.
/// </summary>
public sealed class EfSagaRepositoryContextFactory<TSaga, TContext>(
    IDbContextFactory<TContext> dbContextFactory,
    ISagaConsumeContextFactory<TContext, TSaga> consumeContextFactory) :
    ISagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
    where TContext : DbContext
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var db = await dbContextFactory.CreateDbContextAsync(context.CancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        // A failed save fails the whole delivery, which rolls the transaction back and is retried: the savepoint EF
        // would set around every save in a transaction (two more round trips each) would never be rolled back to.
        db.Database.AutoSavepointsEnabled = false;

        await next.Send(new EfSagaRepositoryContext<TSaga, TContext, T>(db, context, consumeContextFactory));

        // From here on this delivery's change may be committed even if the attempt then fails (the commit's answer lost
        // with the connection, or the outbox's send after it refused): a retry of it must know (see SagaCommitAttempted).
        context.ReceiveContext.GetOrAddPayload(() => new SagaCommitAttempted());
        await transaction.CommitAsync(context.CancellationToken);
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        await using var db = await dbContextFactory.CreateDbContextAsync(context.CancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        db.Database.AutoSavepointsEnabled = false;

        var instances = await db.Set<TSaga>().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
        var repositoryContext = new EfSagaRepositoryContext<TSaga, TContext, T>(db, context, consumeContextFactory);
        await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));

        await transaction.CommitAsync(context.CancellationToken);
    }

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class => ExecuteReadOnly(asyncMethod, cancellationToken);

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class => ExecuteReadOnly(asyncMethod, cancellationToken);

    public void Probe(ProbeContext context) => context.Add("persistence", "entity-framework-core-postgresql");

    async Task<T> ExecuteReadOnly<T>(Func<EfSagaReadContext<TSaga, TContext>, Task<T>> asyncMethod, CancellationToken cancellationToken)
    {
        await using var db = await dbContextFactory.CreateDbContextAsync(cancellationToken);
        return await asyncMethod(new EfSagaReadContext<TSaga, TContext>(db, cancellationToken));
    }
}
