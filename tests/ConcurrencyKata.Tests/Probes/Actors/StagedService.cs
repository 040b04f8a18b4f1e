using System.Collections.Concurrent;
using Orleans.Runtime;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// A judge's service that the silos give their grains (exercise 15's index, 16's payments): what a
/// check stages is found by its name (one registry per kind, for the whole process, so it outlives
/// any silo), and each call is drawn in the lane of the grain's activation that made it.
/// </summary>
public abstract class StagedService<TStaged>(ILocalSiloDetails silo, IGrainContextAccessor grains)
    where TStaged : class
{
    private static readonly ConcurrentDictionary<string, TStaged> Staged = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="staged"/> what calls naming <paramref name="name"/> reach, and returns it.</summary>
    protected static TStaged Add(string name, TStaged staged)
    {
        Staged[name] = staged;
        return staged;
    }

    /// <summary>Stops calls naming <paramref name="name"/> from reaching <paramref name="staged"/>.</summary>
    internal static void Remove(string name, TStaged staged) => Staged.TryRemove(new KeyValuePair<string, TStaged>(name, staged));

    /// <summary>What a check staged under <paramref name="name"/>, if it still is.</summary>
    protected static TStaged? Find(string name) => Staged.TryGetValue(name, out var staged) ? staged : null;

    /// <summary>The silo this service belongs to, by its short name (S1, S2, ...).</summary>
    protected string SiloName => SharedCluster.SiloName(silo);

    /// <summary>The lane of the grain activation calling now: its silo, type and key (or the silo alone, outside a grain).</summary>
    protected string Place => grains.GrainContext is { } grain ? SharedCluster.Place(silo, grain.GrainId) : SiloName;
}
