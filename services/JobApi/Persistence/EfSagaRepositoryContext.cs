using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Jobs.JobApi.Persistence;

/// <summary>One delivery's view of the saga table, inside the transaction its factory opened.</summary>
public sealed class EfSagaRepositoryContext<TSaga, TContext, TMessage> :
    ConsumeContextScope<TMessage>,
    SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TContext : DbContext
    where TMessage : class
{
    readonly TContext db;
    readonly ConsumeContext<TMessage> message;
    readonly ISagaConsumeContextFactory<TContext, TSaga> factory;

    public EfSagaRepositoryContext(TContext db, ConsumeContext<TMessage> message, ISagaConsumeContextFactory<TContext, TSaga> factory)
        : base(message, db)
    {
        this.db = db;
        this.message = message;
        this.factory = factory;
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(db, message, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        db.Set<TSaga>().Add(instance);
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Someone else inserted it first: the caller falls back to loading (and locking) that row.
            JobApiTelemetry.RecordSagaConflict();
            db.Entry(instance).State = EntityState.Detached;
            return null!;
        }

        return await factory.CreateSagaConsumeContext(db, message, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await SagaLock.LoadForUpdate<TSaga>(db, correlationId, CancellationToken);
        if (instance is null)
            return null!;

        // Child rows (a job's attempts) are read under the parent's lock, so they are as current as the row.
        foreach (var collection in db.Entry(instance).Collections)
            await collection.LoadAsync(CancellationToken);
        return await factory.CreateSagaConsumeContext(db, message, instance, SagaConsumeContextMode.Load);
    }

    public async Task Save(SagaConsumeContext<TSaga> context)
    {
        db.Set<TSaga>().Add(context.Saga);
        await db.SaveChangesAsync(CancellationToken);
    }

    public Task Update(SagaConsumeContext<TSaga> context) => db.SaveChangesAsync(CancellationToken);

    public async Task Delete(SagaConsumeContext<TSaga> context)
    {
        db.Set<TSaga>().Remove(context.Saga);
        await db.SaveChangesAsync(CancellationToken);
    }

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        db.ChangeTracker.Clear();
        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class => factory.CreateSagaConsumeContext(db, consumeContext, instance, mode);
}
