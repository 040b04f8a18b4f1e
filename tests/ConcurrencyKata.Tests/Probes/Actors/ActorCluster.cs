using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// The actors track's cluster: <see cref="Silos"/> Orleans silos and a client, all in the judge's
/// own process on localhost, with in-memory everything. It is an xunit class fixture, but the
/// cluster behind it is started once per run of the judge, by the first check that needs it, and
/// shared by every later one (the judge's host runs checks one at a time, and a cold start costs
/// 1 to 5 s): <see cref="StopAsync"/> stops it when the run ends. Every grain call in every silo
/// goes through <see cref="CallProbe"/>, which puts it on the running check's timeline and can hold
/// it at a gate. A call that waits for another longer than <see cref="CallTimeout"/> fails with a
/// <see cref="TimeoutException"/> (Orleans' response timeout, 30 s by default): a cycle of grains
/// waiting for each other ends in seconds, not in a hang. Each silo also serves the judge's
/// <see cref="ShardIndex"/> to its grains (exercise 15). Checks keep out of each other's way with
/// keys of their own.
/// </summary>
public sealed class ActorCluster : IAsyncLifetime
{
    public const short Silos = 2;

    /// <summary>How long a grain waits for an answer from another grain before the call fails (a cycle of calls shows as this).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(20);

    private static readonly ConcurrentDictionary<SiloAddress, string> Names = new();
    private static readonly SemaphoreSlim Starting = new(1, 1);
    private static InProcessTestCluster? _shared;

    public IClusterClient Client => (_shared ?? throw new InvalidOperationException("the cluster has not started")).Client;

    /// <summary>The silo's short name on timelines and in messages: S1, S2, ... in the order the cluster started them.</summary>
    public static string SiloName(ILocalSiloDetails silo) => Names.TryGetValue(silo.SiloAddress, out var name) ? name : $"silo :{silo.SiloAddress.Endpoint.Port}";

    /// <summary>A grain's activation as a timeline's lane names it: its silo, grain type and key ("S2 account/alice").</summary>
    public static string Place(ILocalSiloDetails silo, GrainId grain) => $"{SiloName(silo)} {grain.Type}/{grain.Key}";

    public async Task InitializeAsync()
    {
        await Starting.WaitAsync().ConfigureAwait(false);
        try
        {
            _shared ??= await StartAsync(Silos).ConfigureAwait(false);
        }
        finally
        {
            Starting.Release();
        }
    }

    /// <summary>Nothing: the cluster stays up for the next check's class, and <see cref="StopAsync"/> stops it.</summary>
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Stops the shared cluster, if one was started (at most 20 s); the judge's host calls it when the run ends.</summary>
    public static async Task StopAsync()
    {
        var cluster = Interlocked.Exchange(ref _shared, null);
        if (cluster is null)
        {
            return;
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

    private static async Task<InProcessTestCluster> StartAsync(short silos)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureHost(host => host.Logging.SetMinimumLevel(LogLevel.Error));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
            silo.AddIncomingGrainCallFilter<CallProbe>();
            silo.Services.AddSingleton<IShardIndex, ShardIndex>();
        });
        // the client waits longer than a grain does: the grain's own timeout is what a test sees
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout * 5));
        var cluster = builder.Build();
        using var patience = new CancellationTokenSource(StartPatience);
        await cluster.DeployAsync(patience.Token).ConfigureAwait(false);
        Names.Clear();
        foreach (var (silo, i) in cluster.Silos.Select((s, i) => (s, i)))
        {
            Names[silo.SiloAddress] = $"S{i + 1}";
        }
        return cluster;
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
        var scenario = _watching;
        using var span = scenario?.Spans.Begin(method, place: ActorCluster.Place(silo, context.TargetId));
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
