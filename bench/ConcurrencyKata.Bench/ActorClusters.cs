using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace ConcurrencyKata.Bench;

/// <summary>
/// Orleans clusters for the actors workload: one per silo count, every silo in this process (as the
/// judge's are), started the first time it is asked for and kept until the bench ends. Their grains
/// are the reference's only: a bench built with the learner's exercises too (<c>--mine</c>) has a
/// second set of the kata's grains, which is left out of the silos.
/// </summary>
public sealed class ActorClusters : IAsyncDisposable
{
    private readonly Dictionary<int, InProcessTestCluster> _clusters = [];

    /// <summary>A client of a cluster of <paramref name="silos"/> silos, started now if it is not yet.</summary>
    public IClusterClient Client(int silos)
    {
        if (!_clusters.TryGetValue(silos, out var cluster))
        {
            // one silo, then the others one at a time, as the judge starts its clusters: silos started
            // together sometimes took seconds longer
            var builder = new InProcessTestClusterBuilder(1);
            builder.Options.ConfigureFileLogging = false; // no logs/ folder where the bench runs
            builder.ConfigureHost(host => host.Logging.SetMinimumLevel(LogLevel.Error));
            var reference = typeof(AccountGrain).Assembly;
            // the kata's grains of any other assembly (the learner's, in a bench built with them) left out: two classes may not share a grain type
            builder.ConfigureSilo((_, silo) => silo.Configure<GrainTypeOptions>(o => o.Classes.RemoveWhere(c => c.Assembly != reference && c.Namespace == typeof(AccountGrain).Namespace)));
            cluster = builder.Build();
            cluster.DeployAsync().GetAwaiter().GetResult();
            while (cluster.Silos.Count < silos)
            {
                cluster.StartAdditionalSiloAsync().GetAwaiter().GetResult();
            }
            _clusters[silos] = cluster;
        }
        return cluster.Client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters.Values)
        {
            await cluster.StopAllSilosAsync().ConfigureAwait(false);
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
        _clusters.Clear();
    }
}
