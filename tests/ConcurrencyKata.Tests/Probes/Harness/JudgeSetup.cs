using System.Runtime.CompilerServices;

namespace ConcurrencyKata.Tests.Probes;

internal static class JudgeSetup
{
    /// <summary>Smallest number of thread-pool threads kept ready while the judge runs.</summary>
    public const int ReadyPoolThreads = 12;

    /// <summary>
    /// The judge waits synchronously on the test thread (so that a starved pool can never hang a
    /// test), and the test framework blocks a pool thread or two of its own. On a 2-core machine
    /// the pool starts with 2 threads and adds one about every half second, so those waits alone
    /// could delay the code under test by hundreds of milliseconds. Keeping a dozen threads ready
    /// removes that noise; code that blocks a thread per operation still starves the pool,
    /// because it needs hundreds.
    /// </summary>
    [ModuleInitializer]
    internal static void KeepPoolThreadsReady()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, ReadyPoolThreads), Math.Max(io, ReadyPoolThreads));
    }
}
