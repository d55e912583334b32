using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Persistence;

/// <summary>Plugs the EF Core repository into a saga registration (MassTransit.EntityFrameworkCore is not available to us).</summary>
public static class EfSagaRepositoryRegistration
{
    public static ISagaRegistrationConfigurator<TSaga> EfCoreRepository<TSaga, TContext>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga
        where TContext : DbContext
    {
        configurator.Repository(r =>
        {
            r.RegisterLoadSagaRepository<TSaga, EfSagaRepositoryContextFactory<TSaga, TContext>>();
            r.RegisterQuerySagaRepository<TSaga, EfSagaRepositoryContextFactory<TSaga, TContext>>();
            r.RegisterSagaRepository<TSaga, TContext, SagaConsumeContextFactory<TContext, TSaga>, EfSagaRepositoryContextFactory<TSaga, TContext>>();
        });
        return configurator;
    }
}
