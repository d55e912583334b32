using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Jobs.JobApi.Persistence;

/// <summary>Loads a saga row and locks it until the transaction ends, using the table and column names of the EF model.</summary>
public static class SagaLock
{
    public static Task<TSaga?> LoadForUpdate<TSaga>(DbContext db, Guid correlationId, CancellationToken cancellationToken)
        where TSaga : class, ISaga
    {
        var entity = db.Model.FindEntityType(typeof(TSaga))
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped in {db.GetType().Name}.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var key = entity.FindProperty(nameof(ISaga.CorrelationId))!.GetColumnName(table)!;
        var qualifiedTable = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{entity.GetTableName()}\"" : $"\"{entity.GetTableName()}\"";

#pragma warning disable EF1002 // Identifiers come from the EF model, never from input; the key is a parameter.
        return db.Set<TSaga>()
            .FromSqlRaw($"SELECT * FROM {qualifiedTable} WHERE \"{key}\" = {{0}} FOR UPDATE", correlationId)
            .SingleOrDefaultAsync(cancellationToken);
#pragma warning restore EF1002
    }
}
