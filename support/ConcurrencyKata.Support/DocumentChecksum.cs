namespace ConcurrencyKata;

/// <summary>
/// A deliberately expensive checksum: a fraction of a second of pure computation per document
/// (a fixed amount of work: about 0.1–0.4 s, depending on the machine).
/// It never waits for anything, so awaiting cannot make it cheaper; only running it on
/// another thread keeps the caller's thread free.
/// </summary>
public static class DocumentChecksum
{
    /// <summary>Iterations of mixing per document: a fixed amount of work, so results never vary.</summary>
    public const long WorkPerDocument = 40_000_000;

    /// <summary>
    /// Lets the judge see where each checksum ran (which thread, from when to when). Only the
    /// judge sets it; it has no effect on the result.
    /// </summary>
    internal static Action<string, int, long, long>? Observer { get; set; }

    /// <summary>
    /// Lets the judge see each checksum the moment it starts (the document and the timestamp): a
    /// slow checksum that started late is seen before it ends. Only the judge sets it.
    /// </summary>
    internal static Action<string, long>? StartObserver { get; set; }

    /// <summary>
    /// Lets the judge time each checksum on the thread that computes it (its CPU clock): the
    /// computation is handed to it and it returns the result. Only the judge sets it.
    /// </summary>
    internal static Func<Func<long>, long>? Meter { get; set; }

    /// <summary>
    /// Lets the judge watch the computation as it makes progress: when set, the checksum's mixing
    /// goes through it (the same iterations and seed, the same answer as <see cref="CpuWork.Spin(long, ulong)"/>).
    /// Only the judge sets it.
    /// </summary>
    internal static Func<long, ulong, ulong>? Spin { get; set; }

    /// <summary>
    /// Lets the judge stand in for the computation: when set, <see cref="Compute"/> returns what it
    /// gives at once, so a check can have thousands of checksums end within microseconds of each
    /// other (a race on the results shows). Only the judge sets it.
    /// </summary>
    internal static Func<string, long>? StandIn { get; set; }

    /// <summary>Computes the checksum of <paramref name="document"/>. Pure, thread-safe, CPU-bound.</summary>
    public static long Compute(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var observer = Observer;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        StartObserver?.Invoke(document, started);
        var result = StandIn is { } standIn ? standIn(document)
            : Meter is { } meter ? meter(() => ComputeCore(document))
            : ComputeCore(document);
        observer?.Invoke(document, Environment.CurrentManagedThreadId, started, System.Diagnostics.Stopwatch.GetTimestamp());
        return result;
    }

    private static long ComputeCore(string document)
    {
        var seed = 1469598103934665603UL; // FNV-1a over the text seeds the mixer
        foreach (var c in document)
        {
            seed = (seed ^ c) * 1099511628211UL;
        }
        var mixed = Spin is { } spin ? spin(WorkPerDocument, seed) : CpuWork.Spin(WorkPerDocument, seed);
        return (long)(mixed >> 1);
    }
}
