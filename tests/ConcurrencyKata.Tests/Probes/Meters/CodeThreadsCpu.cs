namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// The CPU time of the threads that can run the code under test (Linux, from /proc): every
/// thread of this process but the runtime's own services (the JIT compiling in the background,
/// the garbage collector, the finalizer: named ".NET ...", except the thread pool's workers).
/// Counting the whole process lets those services pass for the code's own work: a List shared
/// without a lock went uncaught through rounds of <see cref="SimultaneousRounds"/> whose
/// "overlap" was mostly the runtime's, and a freshly started judge used a third of a core for
/// a while with the code under test doing nothing.
/// </summary>
public sealed class CodeThreadsCpu
{
    private readonly Dictionary<int, TimeSpan> _atStart;
    private readonly Dictionary<int, bool> _isService = [];

    private CodeThreadsCpu() => _atStart = Read();

    public static CodeThreadsCpu? Start() => OperatingSystem.IsLinux() && NativeThread.AllIds().Count > 0 ? new CodeThreadsCpu() : null;

    /// <summary>CPU time those threads have used since <see cref="Start"/> (a thread that ended meanwhile no longer counts: the rounds only run longer).</summary>
    public TimeSpan Used()
    {
        var used = TimeSpan.Zero;
        foreach (var (id, cpu) in Read())
        {
            used += cpu - _atStart.GetValueOrDefault(id);
        }
        return used;
    }

    private Dictionary<int, TimeSpan> Read()
    {
        var cpu = new Dictionary<int, TimeSpan>();
        foreach (var id in NativeThread.AllIds())
        {
            if (!_isService.TryGetValue(id, out var service))
            {
                _isService[id] = service = IsRuntimeService(id);
            }
            if (!service && NativeThread.CpuTime(id) is { } time)
            {
                cpu[id] = time;
            }
        }
        return cpu;
    }

    private static bool IsRuntimeService(int id)
    {
        try
        {
            var name = File.ReadAllText($"/proc/self/task/{id}/comm").Trim();
            return name.StartsWith(".NET ", StringComparison.Ordinal)
                   && !name.StartsWith(".NET TP Worker", StringComparison.Ordinal)
                   && !name.StartsWith(".NET Long Runni", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // gone: nothing to count
        }
    }
}
