namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Any thread of this process seen from outside it, by its kernel id: its CPU time and its
/// wake-ups (voluntary context switches), read from /proc on Linux (null elsewhere). A probe runs
/// <see cref="CurrentId"/> on the thread of interest (a pool's worker, say), then the test reads
/// that thread while it idles. <see cref="CpuMeter"/> reads the calling thread only.
/// </summary>
public static class NativeThread
{
    /// <summary>The calling thread's kernel id (what gettid returns), or null off Linux.</summary>
    public static int? CurrentId()
    {
        try
        {
            // /proc/thread-self is a link to "<pid>/task/<tid>"
            var target = OperatingSystem.IsLinux() ? new DirectoryInfo("/proc/thread-self").LinkTarget : null;
            return target is not null && int.TryParse(target.AsSpan(target.LastIndexOf('/') + 1), out var id) ? id : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The kernel ids of every thread this process has right now (from /proc/self/task), or empty off Linux.</summary>
    public static IReadOnlySet<int> AllIds()
    {
        try
        {
            return OperatingSystem.IsLinux()
                ? Directory.EnumerateDirectories("/proc/self/task").Select(d => int.TryParse(Path.GetFileName(d), out var id) ? id : -1).Where(id => id > 0).ToHashSet()
                : new HashSet<int>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HashSet<int>();
        }
    }

    /// <summary>CPU time thread <paramref name="id"/> of this process has used (the first field of its schedstat, in ns), or null when it cannot be read.</summary>
    public static TimeSpan? CpuTime(int id)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/self/task/{id}/schedstat").Split(' ');
            return long.TryParse(fields[0], out var ns) ? TimeSpan.FromTicks(ns / 100) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The time thread <paramref name="id"/> of this process has been ready to run: on a core, or
    /// waiting in a run queue for one (the first two fields of its schedstat). A thread that spins,
    /// even one that yields between looks, is ready all the time whether or not a core is free for
    /// it, so on a loaded machine this tells it from a blocked thread where its CPU time alone may not.
    /// Null when it cannot be read (or the thread has ended).
    /// </summary>
    public static TimeSpan? RunnableTime(int id)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/self/task/{id}/schedstat").Split(' ');
            return fields.Length > 1 && long.TryParse(fields[0], out var running) && long.TryParse(fields[1], out var waiting)
                ? TimeSpan.FromTicks((running + waiting) / 100)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>How often thread <paramref name="id"/> of this process has blocked and been woken again, or null when it cannot be read (or the thread has ended).</summary>
    public static long? Wakeups(int id) => WakeupsIn($"/proc/self/task/{id}/status");

    /// <summary>The voluntary context switches a /proc status file reports, or null when it cannot be read (or the thread has ended).</summary>
    internal static long? WakeupsIn(string statusFile)
    {
        try
        {
            foreach (var line in File.ReadLines(statusFile))
            {
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), out var switches))
                {
                    return switches;
                }
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
