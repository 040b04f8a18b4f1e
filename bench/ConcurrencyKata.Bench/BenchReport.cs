using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace ConcurrencyKata.Bench;

/// <summary>Everything one run of the bench measured.</summary>
public sealed record BenchResults(
    string Machine,
    bool Quick,
    int Repeats,
    IReadOnlyList<(string Name, string Description, int? Operations)> Workloads,
    IReadOnlyList<Cell> Cells,
    IReadOnlyList<(string Unit, double MedianNanoseconds)> UnitCosts,
    int GatheredWaits,
    double GatherSeconds,
    int GatherPeakThreads);

/// <summary>The bench's outputs: the terminal table, report.md, results.json and one chart per workload (PNG and SVG).</summary>
public static class BenchReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Table(IAnsiConsole console, BenchResults results)
    {
        foreach (var (name, description, operations) in results.Workloads)
        {
            var table = new Table().Title($"[bold]{Markup.Escape(name)}[/]: {Markup.Escape(description)}").Border(TableBorder.Simple);
            table.AddColumns("strategy", "workers", "median", "spread", "speedup", "limit", "of limit");
            foreach (var cell in results.Cells.Where(c => c.Workload == name))
            {
                table.AddRow(Markup.Escape(cell.Strategy), cell.Workers?.ToString(Invariant) ?? "-", Ms(cell.Median), $"{Ms(cell.Min)[..^3]}–{Ms(cell.Max)}",
                    $"{cell.Speedup:0.00}×", $"{cell.Limit:0.0}×", $"{cell.OfLimit:P0}");
            }
            console.Write(table);
            if (PerSecond(results, name, operations) is { } rates)
            {
                console.MarkupLine(Markup.Escape(rates));
            }
        }
        var costs = new Table().Title("[bold]The cost of one unit of concurrency[/] (BenchmarkDotNet, median)").Border(TableBorder.Simple);
        costs.AddColumns("unit", "start to finish");
        foreach (var (unit, ns) in results.UnitCosts)
        {
            costs.AddRow(Markup.Escape(unit), Duration(ns));
        }
        console.Write(costs);
        console.MarkupLine($"{results.GatheredWaits:N0} waits of 100 ms gathered asynchronously: [bold]{results.GatherSeconds:0.00} s[/], at most {results.GatherPeakThreads} threads in this process.");
    }

    /// <summary>Writes report.md, results.json and the charts into <paramref name="directory"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Write(string directory, BenchResults results)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        foreach (var (name, _, _) in results.Workloads)
        {
            files.AddRange(Chart(directory, name, results.Cells.Where(c => c.Workload == name).ToList()));
        }
        var markdown = Path.Combine(directory, "report.md");
        File.WriteAllText(markdown, Markdown(results));
        files.Add(markdown);
        var json = Path.Combine(directory, "results.json");
        File.WriteAllText(json, JsonSerializer.Serialize(new
        {
            machine = results.Machine,
            quick = results.Quick,
            repeats = results.Repeats,
            // the first strategy of each workload is its baseline: the speedups are over it
            workloads = results.Workloads.Select(w => new { name = w.Name, description = w.Description, baseline = results.Cells.FirstOrDefault(c => c.Workload == w.Name)?.Strategy }),
            cells = results.Cells.Select(c => new { workload = c.Workload, strategy = c.Strategy, workers = c.Workers, seconds = c.Seconds, median = c.Median, speedup = c.Speedup, limit = c.Limit }),
            unitCosts = results.UnitCosts.Select(u => new { unit = u.Unit, medianNanoseconds = u.MedianNanoseconds }),
            gather = new { waits = results.GatheredWaits, seconds = results.GatherSeconds, peakThreads = results.GatherPeakThreads },
        }, new JsonSerializerOptions { WriteIndented = true }));
        files.Add(json);
        return files;
    }

    public static string Markdown(BenchResults results)
    {
        var md = new StringBuilder();
        md.AppendLine("# Async, threads and processes, measured");
        md.AppendLine();
        md.AppendLine($"Machine: {results.Machine}. Median wall time of {results.Repeats} runs per cell{(results.Quick ? " (`--quick`: small sizes, two worker counts; the figures are rough)" : "")}; " +
                                 "spread is the fastest and slowest run. Speedup is over the workload's first strategy (sequential; one silo for the actors); " +
                                 "the limit is the best speedup the workload allows with that many workers (the core count for computation, the number of waits " +
                                 "for waiting, one silo's throughput for silos sharing one machine).");
        foreach (var (name, description, operations) in results.Workloads)
        {
            md.AppendLine();
            md.AppendLine(Invariant, $"## {name}: {description}");
            md.AppendLine();
            md.AppendLine(Invariant, $"![{name}]({FileName(name)}.svg)");
            md.AppendLine();
            md.AppendLine("| strategy | workers | median | spread | speedup | limit | of limit |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var cell in results.Cells.Where(c => c.Workload == name))
            {
                md.AppendLine(Invariant, $"| {cell.Strategy} | {cell.Workers?.ToString(Invariant) ?? "-"} | {Ms(cell.Median)} | {Ms(cell.Min)[..^3]}–{Ms(cell.Max)} | {cell.Speedup:0.00}× | {cell.Limit:0.0}× | {cell.OfLimit * 100:0}% |");
            }
            if (PerSecond(results, name, operations) is { } rates)
            {
                md.AppendLine();
                md.AppendLine(rates);
            }
        }
        md.AppendLine();
        md.AppendLine("## Unit costs: one unit of concurrency, start to finish");
        md.AppendLine();
        md.AppendLine("| unit | median |");
        md.AppendLine("|---|---:|");
        foreach (var (unit, ns) in results.UnitCosts)
        {
            md.AppendLine(Invariant, $"| {unit} | {Duration(ns)} |");
        }
        md.AppendLine();
        md.AppendLine("## Many waits at once");
        md.AppendLine();
        md.AppendLine(Invariant, $"{results.GatheredWaits:N0} concurrent waits of 100 ms, gathered asynchronously (exercise 01): {results.GatherSeconds:0.00} s, " +
                                 $"with at most {results.GatherPeakThreads} threads in the whole process.");
        return md.ToString();
    }

    /// <summary>Speedup over workers, one line per strategy (a flat line for one without a worker count), and the workload's limit dashed.</summary>
    private static IEnumerable<string> Chart(string directory, string workload, IReadOnlyList<Cell> cells)
    {
        var plot = new ScottPlot.Plot();
        var workers = cells.Where(c => c.Workers is not null).Select(c => c.Workers!.Value).Distinct().Order().ToArray();
        if (workers.Length == 0)
        {
            yield break;
        }
        var lines = new Dictionary<string, ScottPlot.Plottables.Scatter>();
        foreach (var strategy in cells.Select(c => c.Strategy).Distinct())
        {
            var own = cells.Where(c => c.Strategy == strategy).ToList();
            double[] xs = own.All(c => c.Workers is null) ? [.. workers.Select(w => (double)w)] : [.. own.Select(c => (double)c.Workers!.Value)];
            double[] ys = own.All(c => c.Workers is null) ? [.. workers.Select(_ => own[0].Speedup)] : [.. own.Select(c => c.Speedup)];
            var line = lines[strategy] = plot.Add.Scatter(xs, ys);
            line.LegendText = strategy;
            line.MarkerSize = 6;
            // a learner's row (bench --mine) in its reference's colour, dotted, so the two read as a pair
            if (strategy.EndsWith(Yours, StringComparison.Ordinal) && lines.TryGetValue(strategy[..^Yours.Length], out var reference))
            {
                line.Color = reference.Color;
                line.LinePattern = ScottPlot.LinePattern.Dotted;
                line.MarkerShape = ScottPlot.MarkerShape.OpenCircle;
            }
        }
        var limit = plot.Add.Scatter(workers.Select(w => (double)w).ToArray(), workers.Select(w => cells.First(c => c.Workers == w).Limit).ToArray());
        limit.LegendText = "limit";
        limit.LinePattern = ScottPlot.LinePattern.Dashed;
        limit.Color = ScottPlot.Colors.Black;
        limit.MarkerSize = 0;
        plot.Title($"{workload}: speedup over sequential");
        plot.XLabel("workers");
        plot.YLabel("speedup (×)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. workers.Select(w => (double)w)], [.. workers.Select(w => w.ToString(Invariant))]);
        plot.Axes.SetLimitsY(0, Math.Max(1.2, cells.Max(c => Math.Max(c.Speedup, c.Limit)) * 1.1));
        plot.ShowLegend(ScottPlot.Edge.Right);
        var png = Path.Combine(directory, FileName(workload) + ".png");
        var svg = Path.Combine(directory, FileName(workload) + ".svg");
        plot.SavePng(png, 960, 480);
        plot.SaveSvg(svg, 960, 480);
        yield return png;
        yield return svg;
    }

    /// <summary>For a workload that counts its operations: how many per second each of its cells made (median run).</summary>
    private static string? PerSecond(BenchResults results, string workload, int? operations)
        => operations is not { } count
            ? null
            : "Per second: " + string.Join("; ", results.Cells.Where(c => c.Workload == workload)
                .Select(c => $"{c.Strategy}{(c.Workers is { } w ? $", {w} {(w == 1 ? "silo" : "silos")}" : "")}: {(count / c.Median).ToString("N0", Invariant)}")) + ".";

    /// <summary>How a learner's row is named: the reference's name, then this (<see cref="ISolutions.Suffix"/>).</summary>
    private const string Yours = ", yours";

    public static string FileName(string workload) => new([.. workload.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')]);

    private static string Ms(double seconds) => (seconds * 1000).ToString("0", Invariant) + " ms";

    private static string Duration(double ns) => ns switch
    {
        < 1_000 => $"{ns.ToString("0", Invariant)} ns",
        < 1_000_000 => $"{(ns / 1_000).ToString("0.0", Invariant)} µs",
        _ => $"{(ns / 1_000_000).ToString("0.0", Invariant)} ms",
    };
}
