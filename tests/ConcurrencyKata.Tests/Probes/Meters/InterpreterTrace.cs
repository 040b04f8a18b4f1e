using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Reads an <see cref="InterpreterRun"/>: who got the lock when, measured in units of work
/// rather than milliseconds wherever it can, so a busy machine does not change the answer.
/// </summary>
public static class InterpreterTrace
{
    public const int BarWidth = 60;

    /// <summary>One program's longest wait for the lock, counted in units the other programs ran meanwhile.</summary>
    public readonly record struct Starvation(string Program, int UnitsInBetween, TimeSpan LongestGap)
    {
        public override string ToString()
            => string.Create(CultureInfo.InvariantCulture, $"{Program}: {UnitsInBetween} units of others ({LongestGap.TotalMilliseconds:0} ms)");
    }

    /// <summary>
    /// For each program, the most units the other programs ran between two consecutive units of
    /// its own (or between its first Acquire and its first unit): how long it went without the
    /// lock, in the others' work.
    /// A fair hand-off keeps it near (programs − 1) × units per switch interval; a lock that
    /// lets one thread starve shows hundreds.
    /// </summary>
    public static IReadOnlyList<Starvation> UnitsInBetween(InterpreterRun run)
    {
        var result = new List<Starvation>();
        foreach (var program in run.Programs)
        {
            var others = run.Programs.Where(p => p != program).SelectMany(p => p.Units.Select(u => u.StartTicks)).Order().ToList();
            int worst = 0;
            long worstGap = 0;
            // from the moment it asked for the lock: a thread the machine started late was not waiting before that
            var previousEnd = Math.Max(run.StartTicks, program.StartTicks);
            // after its last unit too: a program that never ran again counts what the others ran until the end
            var mine = program.Units.OrderBy(u => u.StartTicks).Select(u => (u.StartTicks, u.EndTicks)).ToList();
            foreach (var (start, end) in mine.Append((run.EndTicks, run.EndTicks)))
            {
                if (start == run.EndTicks && program.Finished && mine.Count > 0)
                {
                    break; // it finished: nothing left to wait for
                }
                var between = LowerBound(others, start) - LowerBound(others, previousEnd);
                worst = Math.Max(worst, between);
                worstGap = Math.Max(worstGap, start - previousEnd);
                previousEnd = end;
            }
            result.Add(new Starvation(program.Name, worst, TimeSpan.FromSeconds(worstGap / (double)Stopwatch.Frequency)));
        }
        return result;
    }

    /// <summary>
    /// Turns: runs of consecutive units by the same program (all units in start order). Each
    /// turn's length in units and its wall time from the hand-over (the previous turn's last unit's
    /// end; the first turn: its first unit's start) to its last unit's end; a program's last turn (it ended, it did not hand over) is left out unless <paramref name="includeLast"/>.
    /// </summary>
    public static IReadOnlyList<(string Program, int Units, TimeSpan Duration)> Turns(InterpreterRun run, bool includeLast = false)
    {
        var all = AllUnits(run);
        var lastUnit = run.Programs.ToDictionary(p => p.Name, p => p.Units.Select(u => u.StartTicks).DefaultIfEmpty(long.MaxValue).Max());
        var turns = new List<(string, int, TimeSpan)>();
        var i = 0;
        while (i < all.Count)
        {
            var j = i;
            while (j + 1 < all.Count && all[j + 1].Program == all[i].Program)
            {
                j++;
            }
            // a turn's time runs from the hand-over (the end of the previous turn's last unit) to the end of its own last unit:
            // a holder that keeps the lock for the interval makes it at least that long, however slowly the machine wakes it
            var from = i == 0 ? all[i].Start : all[i - 1].End;
            if (includeLast || all[j].Start != lastUnit[all[i].Program])
            {
                turns.Add((all[i].Program, j - i + 1, TimeSpan.FromSeconds((all[j].End - from) / (double)Stopwatch.Frequency)));
            }
            i = j + 1;
        }
        return turns;
    }

    public static T Median<T>(IEnumerable<T> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? default! : sorted[sorted.Count / 2];
    }

    private static int LowerBound(List<long> sorted, long value)
    {
        var index = sorted.BinarySearch(value);
        if (index < 0)
        {
            return ~index;
        }
        while (index > 0 && sorted[index - 1] == value)
        {
            index--;
        }
        return index;
    }

    private static List<(string Program, long Start, long End)> AllUnits(InterpreterRun run)
        => run.Programs.SelectMany(p => p.Units.Select(u => (p.Name, u.StartTicks, u.EndTicks))).OrderBy(u => u.StartTicks).ToList();

    /// <summary>
    /// One lane per program thread, each column showing what the program did for most of it:
    /// <c>#</c> computing (holding the lock), <c>.</c> waiting for the lock, <c>-</c> in a
    /// blocking wait (lock released), blank: not started, done, or between steps.
    /// Ends with what the interpreter itself counted.
    /// </summary>
    public static string Render(InterpreterRun run, int width = BarWidth)
    {
        var text = new StringBuilder();
        var total = Math.Max(1, run.EndTicks - run.StartTicks);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        text.Append(CultureInfo.InvariantCulture,
            $"timeline: {run.Programs.Count} program(s) over {Ms(total):0} ms, one column = {Ms(total) / width:0.##} ms; # computing, . waiting for the lock, - blocking wait (lock released)")
            .AppendLine();
        var nameWidth = Math.Clamp(run.Programs.Max(p => p.Name.Length), 4, 20);
        foreach (var program in run.Programs)
        {
            var computing = new double[width];
            var locking = new double[width];
            var blocking = new double[width];
            foreach (var step in program.Steps)
            {
                var into = step.Kind switch
                {
                    StepKind.Compute => computing,
                    StepKind.Lock => locking,
                    _ => blocking,
                };
                Spread(into, step.StartTicks - run.StartTicks, step.EndTicks - run.StartTicks, total, width);
            }
            var bar = new char[width];
            for (var c = 0; c < width; c++)
            {
                // what the program did for most of the column (a 4 ms column of a 5 ms turn is mostly one thing)
                var most = Math.Max(computing[c], Math.Max(locking[c], blocking[c]));
                bar[c] = most < 0.25 ? ' '
                    : most == computing[c] ? '#'
                    : most == blocking[c] ? '-'
                    : '.';
            }
            var units = program.Units.Count();
            var name = program.Name.Length > nameWidth ? program.Name[..(nameWidth - 1)] + "~" : program.Name;
            text.Append(CultureInfo.InvariantCulture,
                $"  {name.PadRight(nameWidth)}  T{program.ThreadId,-4} |{new string(bar)}| {units} units{(program.Finished ? "" : ", unfinished")}")
                .AppendLine();
        }
        text.Append(CultureInfo.InvariantCulture, $"interpreter: at most {run.MaxComputingAtOnce} thread(s) computing at the same instant")
            .Append(run.TimedOut ? "; the run TIMED OUT" : "")
            .AppendLine();
        return text.ToString();
    }

    /// <summary>Adds the fraction of each column that [from, to) covers.</summary>
    private static void Spread(double[] columns, long from, long to, long total, int width)
    {
        var perColumn = total / (double)width;
        var first = Math.Clamp((int)(from / perColumn), 0, width - 1);
        var last = Math.Clamp((int)((to - 1) / perColumn), 0, width - 1);
        for (var c = first; c <= last; c++)
        {
            var start = Math.Max(from, c * perColumn);
            var end = Math.Min(to, (c + 1) * perColumn);
            if (end > start)
            {
                columns[c] += (end - start) / perColumn;
            }
        }
    }
}
