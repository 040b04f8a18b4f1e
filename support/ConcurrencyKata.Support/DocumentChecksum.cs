namespace ConcurrencyKata;

/// <summary>
/// A deliberately expensive checksum: tens of milliseconds of pure computation per document.
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

    /// <summary>Computes the checksum of <paramref name="document"/>. Pure, thread-safe, CPU-bound.</summary>
    public static long Compute(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var observer = Observer;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = ComputeCore(document);
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
        return (long)(CpuWork.Spin(WorkPerDocument, seed) >> 1);
    }
}
