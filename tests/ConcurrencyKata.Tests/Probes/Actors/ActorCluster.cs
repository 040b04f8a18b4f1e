using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// A cluster of Orleans silos and a client, all in the judge's own process on localhost, with
/// in-memory everything, as an xunit class fixture. The cluster behind it is started once per run
/// of the judge, by the first check that needs it, and shared by every later one (the judge's host
/// runs checks one at a time, and a cold start costs 1.2 to 1.7 s): <see cref="StopAllAsync"/> stops
/// every cluster started when the run ends. Every grain call in every silo goes through
/// <see cref="CallProbe"/>, which puts it on the running check's timeline and can hold it at a gate.
/// A call that waits for another longer than <see cref="CallTimeout"/> fails with a
/// <see cref="TimeoutException"/> (Orleans' response timeout, 30 s by default): a cycle of grains
/// waiting for each other ends in seconds, not in a hang. Checks keep out of each other's way with
/// keys of their own.
/// </summary>
public abstract class SharedCluster : IAsyncLifetime
{
    /// <summary>How long a grain waits for an answer from another grain before the call fails (a cycle of calls shows as this).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(20);

    private static readonly ConcurrentDictionary<SiloAddress, string> Names = new();
    private static readonly ConcurrentDictionary<Type, InProcessTestCluster> Started = new();
    private static readonly ConcurrentDictionary<InProcessTestCluster, int> Named = new();
    private static readonly SemaphoreSlim Starting = new(1, 1);

    /// <summary>How many silos the cluster starts with.</summary>
    public abstract short Silos { get; }

    protected InProcessTestCluster Cluster => Started.TryGetValue(GetType(), out var cluster) ? cluster : throw new InvalidOperationException("the cluster has not started");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The silo's short name on timelines and in messages: S1, S2, ... in the order the cluster started them.</summary>
    public static string SiloName(ILocalSiloDetails silo) => SiloName(silo.SiloAddress);

    public static string SiloName(SiloAddress silo) => Names.TryGetValue(silo, out var name) ? name : $"silo :{silo.Endpoint.Port}";

    /// <summary>A grain's activation as a timeline's lane names it: its silo, grain type and key ("S2 account/alice").</summary>
    public static string Place(ILocalSiloDetails silo, GrainId grain) => $"{SiloName(silo)} {grain.Type}/{grain.Key}";

    /// <summary>What every silo of this cluster has besides the call probe (the services its exercises' grains use).</summary>
    protected abstract void ConfigureSilo(ISiloBuilder silo);

    public async Task InitializeAsync()
    {
        await Starting.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!Started.ContainsKey(GetType()))
            {
                Started[GetType()] = await StartAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Starting.Release();
        }
    }

    /// <summary>Nothing: the cluster stays up for the next check's class, and <see cref="StopAllAsync"/> stops it.</summary>
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Stops every cluster started (at most 20 s each); the judge's host calls it when the run ends.</summary>
    public static async Task StopAllAsync()
    {
        foreach (var type in Started.Keys.ToList())
        {
            if (!Started.TryRemove(type, out var cluster))
            {
                continue;
            }
            using var patience = new CancellationTokenSource(StopPatience);
            try
            {
                await cluster.StopAllSilosAsync(patience.Token).ConfigureAwait(false);
            }
            finally
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Names the silos of <paramref name="cluster"/> that have no name yet, in the order they started: S1, S2, ... (a silo started later goes on counting).</summary>
    protected static void NameSilos(InProcessTestCluster cluster)
    {
        foreach (var silo in cluster.Silos.Where(s => !Names.ContainsKey(s.SiloAddress)))
        {
            Names[silo.SiloAddress] = $"S{Named.AddOrUpdate(cluster, 1, (_, n) => n + 1)}";
        }
    }

    private async Task<InProcessTestCluster> StartAsync()
    {
        // one silo first, then the others one at a time. Started together, 3 silos took 1.2 to 5.5 s
        // (Orleans' log showed the last of them becoming active some 4 s after the others); one after
        // another, each further silo joins in about 0.15 s
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false; // errors go to the console; no log files piling up next to the judge
        builder.ConfigureHost(host => host.Logging.SetMinimumLevel(LogLevel.Error));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
            silo.AddIncomingGrainCallFilter<CallProbe>();
            ConfigureSilo(silo);
        });
        // the client waits longer than a grain does: the grain's own timeout is what a test sees
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout * 5));
        var cluster = builder.Build();
        using var patience = new CancellationTokenSource(StartPatience);
        await cluster.DeployAsync(patience.Token).ConfigureAwait(false);
        while (cluster.Silos.Count < Silos)
        {
            await cluster.StartAdditionalSiloAsync().WaitAsync(patience.Token).ConfigureAwait(false);
        }
        NameSilos(cluster);
        return cluster;
    }
}

/// <summary>
/// The cluster of exercises 14 and 15: two silos, each serving the judge's <see cref="ShardIndex"/>
/// to its grains.
/// </summary>
public sealed class ActorCluster : SharedCluster
{
    public const short SiloCount = 2;

    public override short Silos => SiloCount;

    protected override void ConfigureSilo(ISiloBuilder silo) => silo.Services.AddSingleton<IShardIndex, ShardIndex>();
}

/// <summary>
/// The cluster of exercise 16: three silos, each giving its grains the judge's
/// <see cref="Payments"/>, one service for the whole process that outlives any silo. A check may
/// kill a silo (<see cref="KillAsync"/>, at once, as a machine that loses its power) and must then
/// bring the cluster back to three (<see cref="RestoreAsync"/>).
/// </summary>
public sealed class SurvivalCluster : SharedCluster
{
    public const short SiloCount = 3;

    public override short Silos => SiloCount;

    protected override void ConfigureSilo(ISiloBuilder silo) => silo.Services.AddSingleton<IPayments, Payments>();

    /// <summary>The silos alive now, by name.</summary>
    public IReadOnlyList<string> Alive => [.. Cluster.GetActiveSilos().Select(s => SiloName(s.SiloAddress)).Order()];

    /// <summary>The first silo started, which the checks never kill (it hosts the cluster's test membership).</summary>
    public string First => SiloName(Cluster.Silos[0].SiloAddress);

    /// <summary>Kills <paramref name="silo"/> at once: no shutdown, its activations gone without a word.</summary>
    public Task KillAsync(string silo)
    {
        var handle = Cluster.GetActiveSilos().First(s => SiloName(s.SiloAddress) == silo);
        return Cluster.KillSiloAsync(handle);
    }

    /// <summary>Starts silos until the cluster has <see cref="SiloCount"/> again (the next one is named S4, and so on).</summary>
    public async Task RestoreAsync()
    {
        while (Cluster.GetActiveSilos().Count() < SiloCount)
        {
            await Cluster.StartAdditionalSiloAsync().ConfigureAwait(false);
        }
        NameSilos(Cluster);
    }
}

/// <summary>
/// A probe in every silo (an Orleans incoming call filter): each call to a grain goes on the
/// timeline of the check being run (<see cref="Watch"/>), named by its method and drawn in the lane
/// of its activation (its silo, grain type and key: "S2 account/alice"), and a call to a method of a grain that a check has put on hold (<see cref="Hold"/>) waits
/// at that gate before it runs. Calls are counted per method and grain.
/// </summary>
public sealed class CallProbe(ILocalSiloDetails silo) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, Gate> Gates = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, int> Started = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> Silo = new(StringComparer.Ordinal);
    private static Scenario? _watching;

    /// <summary>Puts the calls of this check's grains on <paramref name="scenario"/>'s timeline until disposed.</summary>
    public static IDisposable Watch(Scenario scenario)
    {
        _watching = scenario;
        Started.Clear();
        return new Unwatch(scenario);
    }

    /// <summary>
    /// Holds every call to <paramref name="method"/> of the grain <paramref name="key"/> until the gate is
    /// opened (or disposed, which opens it): the call has arrived at its grain and waits there.
    /// A held call waits at most 20 s, so a gate never opened cannot hang the run.
    /// </summary>
    public static Gate Hold(string method, string key) => Gates[Name(method, key)] = new Gate(Name(method, key));

    /// <summary>How many calls to <paramref name="method"/> of grain <paramref name="key"/> have arrived since <see cref="Watch"/>.</summary>
    public static int Arrived(string method, string key) => Started.TryGetValue(Name(method, key), out var n) ? n : 0;

    /// <summary>The silo the last call to <paramref name="method"/> of grain <paramref name="key"/> ran on, if one has.</summary>
    public static string? SiloOf(string method, string key) => Silo.TryGetValue(Name(method, key), out var name) ? name : null;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.TargetId.Type.ToString()?.StartsWith("sys.", StringComparison.Ordinal) == true)
        {
            await context.Invoke().ConfigureAwait(true); // the runtime's own calls (load statistics, membership): not the check's
            return;
        }
        var method = context.InterfaceMethod?.Name ?? context.MethodName;
        var key = context.TargetId.Key.ToString() ?? "";
        var name = Name(method, key);
        Started.AddOrUpdate(name, 1, (_, n) => n + 1);
        Silo[name] = SharedCluster.SiloName(silo);
        var scenario = _watching;
        using var span = scenario?.Spans.Begin(method, place: SharedCluster.Place(silo, context.TargetId));
        if (Gates.TryGetValue(name, out var gate))
        {
            await gate.WaitAsync().ConfigureAwait(true); // back on the grain's own scheduler
        }
        await context.Invoke().ConfigureAwait(true);
    }

    private static string Name(string method, string key) => $"{method} {key}";

    private sealed class Unwatch(Scenario scenario) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.CompareExchange(ref _watching, null, scenario);
            foreach (var gate in Gates.Values)
            {
                gate.Open();
            }
            Gates.Clear();
        }
    }

    /// <summary>A gate calls wait at; opening it lets every call through, now and later.</summary>
    public sealed class Gate(string name) : IDisposable
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;

        /// <summary>How many calls are waiting at the gate now.</summary>
        public int Waiting => Volatile.Read(ref _waiting);

        public string Name { get; } = name;

        internal async Task WaitAsync()
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                await _open.Task.WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // never opened: let the call go on rather than hang the run
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        public void Open()
        {
            Gates.TryRemove(new KeyValuePair<string, Gate>(Name, this));
            _open.TrySetResult();
        }

        public void Dispose() => Open();
    }
}
