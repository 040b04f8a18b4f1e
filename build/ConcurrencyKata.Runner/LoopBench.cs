using System.Diagnostics;
using System.Globalization;
using System.Text;
using ConcurrencyKata.Contract;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `./build.sh bench --loop`: what the learner waits for, measured on a scratch copy of this kata
/// (the working tree as it is, build outputs and state left out) through the entry script a
/// learner types. The first `test` of a new copy; `test` again with nothing solved; `test` with
/// all the references copied in, first and again; and from saving a file of a solved exercise to
/// its verdict, with `test --exercise=NN` and with `watch`, each save beside the time its checks
/// took (so what the loop itself costs shows). Medians of <see cref="Repeats"/>.
/// </summary>
public sealed class LoopBench(KataRepository repository, IAnsiConsole console)
{
    public const int Repeats = 5;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    /// <summary>One measured step: its runs (wall time), and what the checks took in each, when they ran.</summary>
    public sealed record Row(string What, IReadOnlyList<double> Seconds, IReadOnlyList<double>? CheckSeconds = null)
    {
        public double Median => LoopBench.Median(Seconds);

        public double? ChecksMedian => CheckSeconds is { Count: > 0 } c ? LoopBench.Median(c) : null;
    }

    public int Run(Exercise exercise)
    {
        var scratch = Path.Combine(repository.StateDirectory, "loop-bench", "kata");
        console.MarkupLine($"[grey]Copying the kata to {Markup.Escape(repository.Relative(scratch))} (the working tree, no build outputs)...[/]");
        CopyWorkingTree(repository.Root, scratch);
        var copy = new KataRepository(scratch);
        var copied = copy.Resolve(exercise.Number);
        var rows = new List<Row>();

        rows.Add(new Row("test, first run of a new copy (builds the runner and the judge)", [Time(scratch, "test")]));
        rows.Add(new Row("test again, nothing solved", Repeat(() => Time(scratch, "test"))));
        foreach (var e in copy.Exercises)
        {
            foreach (var file in e.Files)
            {
                File.Copy(Path.Combine(e.SolutionDirectory, file), Path.Combine(e.Directory, file), overwrite: true);
            }
        }
        rows.Add(new Row($"test with all {copy.Exercises.Count} references copied in, first run (judges them all)", [Time(scratch, "test")]));
        rows.Add(new Row($"test again, all {copy.Exercises.Count} solved", Repeat(() => Time(scratch, "test"))));

        var (saves, checks) = (new List<double>(), new List<double>());
        for (var i = 0; i < Repeats; i++)
        {
            Touch(copied, i);
            saves.Add(Time(scratch, "test", $"--exercise={copied.Number}"));
            checks.Add(CheckSeconds(copy));
        }
        rows.Add(new Row($"save, then test --exercise={copied.Number} ({copied.Number} solved)", saves, checks));
        rows.Add(Watch(copy, copied));

        Print(rows);
        var report = Path.Combine(repository.Root, "artifacts", "bench", "loop.md");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        File.WriteAllText(report, Markdown(rows));
        console.MarkupLine($"[grey]Written: {Markup.Escape(repository.Relative(report))}[/]");
        return 0;
    }

    /// <summary>`watch --exercise=NN` started once; each save timed until watch says it is watching again.</summary>
    private Row Watch(KataRepository copy, Exercise exercise)
    {
        var info = EntryScript(copy.Root, ["watch", $"--exercise={exercise.Number}"]);
        using var watching = new SemaphoreSlim(0);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (e.Data?.Contains("for saved changes", StringComparison.Ordinal) == true)
            {
                watching.Release();
            }
        };
        process.ErrorDataReceived += (_, e) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var (saves, checks) = (new List<double>(), new List<double>());
        void AwaitVerdict(string what)
        {
            var clock = Stopwatch.StartNew();
            while (!watching.Wait(TimeSpan.FromMilliseconds(100)))
            {
                if (process.HasExited || clock.Elapsed > Patience)
                {
                    string said;
                    lock (output)
                    {
                        said = Text.LastLines(output.ToString(), 20);
                    }
                    throw new KataException($"watch {what} ({(process.HasExited ? $"it ended with exit code {process.ExitCode}" : "still nothing after 10 minutes")}):\n{said}");
                }
            }
        }
        try
        {
            AwaitVerdict("did not start watching");
            for (var i = 0; i < Repeats; i++)
            {
                Thread.Sleep(1500); // as a learner would: an edit, not a burst of saves
                var clock = Stopwatch.StartNew();
                Touch(exercise, 100 + i);
                AwaitVerdict("gave no verdict after a save");
                saves.Add(clock.Elapsed.TotalSeconds);
                checks.Add(CheckSeconds(copy));
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        return new Row($"save, then watch --exercise={exercise.Number} gives its verdict (compiled in-process)", saves, checks);
    }

    private static void Touch(Exercise exercise, int i)
        => File.AppendAllText(Path.Combine(exercise.Directory, exercise.Files[0]), $"// edit {i}\n");

    /// <summary>What the checks of the last run took, by the host's own clock.</summary>
    private static double CheckSeconds(KataRepository copy)
        => CheckEvent.ReadAll(copy.ResultsFile(Variant.Exercises.Name)).Where(e => e.Event is CheckEventKind.Passed or CheckEventKind.Failed or CheckEventKind.Skipped).Sum(e => e.Seconds ?? 0);

    private static List<double> Repeat(Func<double> measure) => [.. Enumerable.Range(0, Repeats).Select(_ => measure())];

    private static double Time(string root, params string[] args)
    {
        var info = EntryScript(root, args);
        var clock = Stopwatch.StartNew();
        var result = ProcessRunner.Run(info.FileName, info.ArgumentList, root, Patience);
        if (result.TimedOut)
        {
            throw new KataException($"{string.Join(' ', args)} took longer than {Patience.TotalMinutes} minutes.");
        }
        // 0: everything judged passes; 1: something does not yet. Anything else is not a verdict to time.
        if (result.ExitCode is not (0 or 1) || result.Output.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            throw new KataException($"{string.Join(' ', args)} gave no verdict (exit code {result.ExitCode}):\n{Text.LastLines(result.Output, 20)}");
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The entry script a learner on this platform types: build.sh, or build.ps1 under Windows PowerShell.</summary>
    private static ProcessStartInfo EntryScript(string root, IReadOnlyList<string> args)
    {
        var info = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("powershell", ["-NoProfile", "-ExecutionPolicy", "Bypass", "-File", Path.Combine(root, "build.ps1"), .. args])
            : new ProcessStartInfo("bash", [Path.Combine(root, "build.sh"), .. args]);
        info.WorkingDirectory = root;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["NO_COLOR"] = "1";
        return info;
    }

    /// <summary>The files git would see in <paramref name="from"/> (tracked or not ignored), copied to a new <paramref name="to"/>.</summary>
    private static void CopyWorkingTree(string from, string to)
    {
        if (Directory.Exists(to))
        {
            Directory.Delete(to, recursive: true);
        }
        var listing = ProcessRunner.Run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], from, TimeSpan.FromMinutes(1));
        if (listing.ExitCode != 0)
        {
            throw new KataException("git ls-files failed: " + Text.LastLines(listing.Output, 5));
        }
        foreach (var file in listing.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Trim('\r', '\n')).Where(f => f.Length > 0))
        {
            var source = Path.Combine(from, file);
            if (!File.Exists(source))
            {
                continue; // deleted in the working tree
            }
            var target = Path.Combine(to, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(source));
            }
        }
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private void Print(IReadOnlyList<Row> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("step");
        table.AddColumn(new TableColumn("median").RightAligned());
        table.AddColumn(new TableColumn("runs").RightAligned());
        table.AddColumn(new TableColumn("its checks").RightAligned());
        table.AddColumn(new TableColumn("the rest").RightAligned());
        foreach (var row in rows)
        {
            table.AddRow(Markup.Escape(row.What), Seconds(row.Median), Markup.Escape(Runs(row)),
                row.ChecksMedian is { } c ? Seconds(c) : "", row.ChecksMedian is { } d ? Seconds(Median([.. row.Seconds.Zip(row.CheckSeconds!, (s, k) => s - k)])) : "");
        }
        console.Write(table);
    }

    private static string Markdown(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# The learner's loop, measured ({Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
        text.AppendLine();
        text.AppendLine("Written by `./build.sh bench --loop`, on a scratch copy of the kata, through the entry script a learner types; the");
        text.AppendLine("NuGet packages were already in the machine's cache. \"Its checks\" is what the judge's host timed the checks at;");
        text.AppendLine("\"the rest\" is the loop itself: the script, the runner, the build and the host (medians of each run's difference).");
        text.AppendLine();
        text.AppendLine("| step | median | runs | its checks (median) | the rest (median) |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var rest = row.CheckSeconds is { Count: > 0 } ? Seconds(Median([.. row.Seconds.Zip(row.CheckSeconds, (s, k) => s - k)])) : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.What} | {Seconds(row.Median)} | {Runs(row)} | {(row.ChecksMedian is { } c ? Seconds(c) : "")} | {rest} |");
        }
        return text.ToString();
    }

    private static string Runs(Row row) => string.Join(" ", row.Seconds.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)));

    private static string Seconds(double s) => s.ToString("0.00 's'", CultureInfo.InvariantCulture);
}
