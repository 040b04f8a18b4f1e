using System.Diagnostics;
using System.Globalization;

namespace ConcurrencyKata.Runner;

/// <summary>
/// The worker processes (support/ConcurrencyKata.Worker) of this repository that are running on
/// the machine, as `ps` lists them: ci's proof that no test, and no test host killed mid-run,
/// leaves a worker behind. Only workers started from this repository's folder count, so another
/// clone's run on the same machine is not mistaken for a leak. Unix only (`ps`).
/// </summary>
public static class WorkerProcesses
{
    /// <summary>One running process: its id, its parent's, and its command line.</summary>
    public sealed record Entry(int ProcessId, int ParentId, string CommandLine);

    private const string WorkerAssembly = "ConcurrencyKata.Worker.dll";

    public static bool CanList => !OperatingSystem.IsWindows();

    /// <summary>The workers of the repository at <paramref name="root"/> running now.</summary>
    public static IReadOnlyList<Entry> Running(string root)
    {
        var ps = ProcessRunner.Run("ps", ["-eo", "pid=,ppid=,args="], root, TimeSpan.FromSeconds(20));
        if (ps.ExitCode != 0)
        {
            throw new KataException($"`ps -eo pid=,ppid=,args=` failed (exit code {ps.ExitCode}): {Text.LastLines(ps.Output, 5)}");
        }
        return WorkersOf(Parse(ps.Output), root);
    }

    /// <summary>Waits up to <paramref name="timeout"/> until none of <paramref name="processIds"/> runs; those still running.</summary>
    public static IReadOnlyList<Entry> WaitUntilGone(string root, IReadOnlyCollection<int> processIds, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = Running(root).Where(w => processIds.Contains(w.ProcessId)).ToList();
            if (left.Count == 0 || clock.Elapsed > timeout)
            {
                return left;
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>`ps -eo pid=,ppid=,args=` output, one process per line.</summary>
    internal static IReadOnlyList<Entry> Parse(string psOutput)
    {
        var entries = new List<Entry>();
        foreach (var line in psOutput.Split('\n'))
        {
            var fields = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3
                && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
            {
                entries.Add(new Entry(pid, parent, fields[2].Trim()));
            }
        }
        return entries;
    }

    /// <summary>The worker processes among <paramref name="entries"/> that run the worker built in the repository at <paramref name="root"/>.</summary>
    internal static IReadOnlyList<Entry> WorkersOf(IEnumerable<Entry> entries, string root)
    {
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        return [.. entries.Where(e => e.CommandLine.Contains(WorkerAssembly, StringComparison.Ordinal) && e.CommandLine.Contains(folder, StringComparison.Ordinal))];
    }
}
