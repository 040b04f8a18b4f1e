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
            if (StatOf(pid) is not { Zombie: false, Parent: var parent } || parent != me)
            {
                continue; // a zombie has ended already: only its exit status is left
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (commandLine.Contains(WorkerProgram.AssemblyFileName, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked
            }
        }
        return found;
    }

    /// <summary>Whether process <paramref name="pid"/> is running (Linux): it exists and has not ended (a zombie has: only its exit status is left).</summary>
    public static bool IsRunning(int pid) => StatOf(pid) is { Zombie: false };

    /// <summary>A process's state and parent from /proc/&lt;pid&gt;/stat; null when it does not exist (or off Linux).</summary>
    private static (bool Zombie, int Parent)? StatOf(int pid)
    {
        try
        {
            // stat is "pid (comm) state ppid ...": the command name may hold spaces or parentheses, so read after the last ')'
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], out var parent) ? (fields[0] == "Z", parent) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null; // gone, or ended while we looked
        }
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
