using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// The worker processes this process has started and that are still running, found by the
/// operating system rather than by what the code under test reports: on Linux, every
/// /proc/&lt;pid&gt; whose parent is this process and whose command line runs the worker program.
/// Elsewhere null: the checks that need it skip themselves, with the reason.
/// </summary>
public static class ChildProcesses
{
    public static bool CanList => OperatingSystem.IsLinux() && Directory.Exists("/proc/self/task");

    /// <summary>The PIDs of running worker processes whose parent is this process; null off Linux.</summary>
    public static IReadOnlyList<int>? Workers()
    {
        if (!CanList)
        {
            return null;
        }
        var me = Environment.ProcessId;
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == me)
            {
                continue;
            }
            try
            {
                // stat is "pid (comm) state ppid ...": the command name may hold spaces or parentheses, so read after the last ')'
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] == "Z" || !int.TryParse(fields[1], out var parent) || parent != me)
                {
                    continue; // a zombie has ended already: only its exit status is left
                }
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (commandLine.Contains(WorkerProgram.AssemblyFileName, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // the process ended while we looked
            }
        }
        return found;
    }

    /// <summary>Waits up to <paramref name="timeout"/> until <paramref name="condition"/> holds for the running workers; the last list seen (null off Linux).</summary>
    public static IReadOnlyList<int>? WaitFor(Func<IReadOnlyList<int>, bool> condition, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var workers = Workers();
            if (workers is null || condition(workers) || Stopwatch.GetTimestamp() > until)
            {
                return workers;
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Kills every worker this process still has (a test's last resort, so that none outlives it).</summary>
    public static void KillAll()
    {
        foreach (var pid in Workers() ?? [])
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // gone already
            }
        }
    }
}
