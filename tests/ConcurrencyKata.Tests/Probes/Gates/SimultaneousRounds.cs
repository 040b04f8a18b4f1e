using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Repeats a <see cref="SimultaneousFetcher"/> scenario and reports the first round that went
/// wrong. Correct code never goes wrong, so it runs every round; code with a data race is caught
/// as soon as two of the racing threads really run at the same instant. On a busy machine that
/// may take a while (a short round can fit in one time slice, and with another program busy on
/// one core the racing threads seldom run at the same instant), so the rounds are sized by what
/// really happened: at least <see cref="Rounds"/>, and more until they have taken
/// <see cref="MinimumTime"/> and the threads that can run the code under test (all but the
/// runtime's own services, on Linux; elsewhere the whole process) have used
/// <see cref="MinimumOverlap"/> more CPU time than wall time (time during which two of them
/// really ran at once); bounded by <see cref="MaximumTime"/>.
/// </summary>
public static class SimultaneousRounds
{
    /// <summary>Rounds a check runs, at least, before it believes the code has no race.</summary>
    public const int Rounds = 5;

    /// <summary>Time the rounds take, at least (bounded by <see cref="MaximumRounds"/>), before a check believes the code has no race.</summary>
    public static readonly TimeSpan MinimumTime = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// CPU time beyond wall time the rounds must have used, at least: two threads of this process
    /// running at the same instant for that long in all. Idle, the rounds reach 150-490 ms of it
    /// by the time they have taken 300 ms; with one core kept busy elsewhere, a fifth of that, and
    /// a List shared without a lock once went uncaught through 300 ms of rounds.
    /// </summary>
    public static readonly TimeSpan MinimumOverlap = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// The rounds stop here whatever the overlap (a machine that never lends a second core proves
    /// nothing either way). The code's own threads seldom overlap for <see cref="MinimumOverlap"/>, so
    /// correct code usually runs to this bound. With one core kept busy by another process, the
    /// race controls of 01, 02 (two), 03, 05, 06 and 13 were caught in 70 of 70 runs, within
    /// 0.13-0.60 s of rounds (round 1 to 8): 2 s is over three times the slowest.
    /// </summary>
    public static readonly TimeSpan MaximumTime = TimeSpan.FromSeconds(2);

    public const int MaximumRounds = 400;

    /// <summary>Runs <paramref name="round"/> (1, 2, ...) until one returns a problem: "round r of R: problem", or null.</summary>
    /// <param name="round">One round; returns what went wrong, or null.</param>
    /// <param name="rounds">
    /// How many rounds at least: more where the race's window is narrow (a continuation of a few
    /// instructions scheduled through the pool), so that the check catches it on every run.
    /// </param>
    public static string? FirstFault(Func<int, string?> round, int rounds = Rounds)
    {
        var meter = CpuMeter.Start();
        var codeThreads = CodeThreadsCpu.Start();
        for (var r = 1; r <= Math.Max(rounds, MaximumRounds); r++)
        {
            if (round(r) is { } problem)
            {
                return $"in round {r}: {problem}";
            }
            var reading = meter.Read();
            if (reading.Wall >= MaximumTime)
            {
                break;
            }
            if (r >= rounds && reading.Wall >= MinimumTime && (codeThreads?.Used() ?? reading.Cpu) - reading.Wall >= MinimumOverlap)
            {
                break;
            }
        }
        return null;
    }

    /// <summary>
    /// What went wrong in one round: the call's exception, keys fetched twice or never, values
    /// missing or out of place. Null when the round was right.
    /// </summary>
    public static string? Judge(IReadOnlyList<string>? values, Exception? error, SimultaneousFetcher fetcher)
    {
        if (error is not null)
        {
            return $"the call failed with {Explain.Exception(error)}.";
        }
        var problems = new List<string>();
        if (fetcher.KeysNotFetchedExactlyOnce() is { Count: > 0 } wrongCalls)
        {
            // name the threads: the first key fetched twice, where and when
            var twiceKey = fetcher.Keys.FirstOrDefault(k => fetcher.FetchesOf(k).Length > 0);
            var twice = twiceKey is null ? "" : $": {twiceKey} was fetched {fetcher.FetchesOf(twiceKey)}, two continuations taking the same key at once";
            problems.Add($"{wrongCalls.Count} key(s) not fetched exactly once ({string.Join(", ", wrongCalls.Take(4))}{(wrongCalls.Count > 4 ? ", ..." : "")}){twice}");
        }
        var keys = fetcher.Keys;
        if (values is null || values.Count != keys.Count)
        {
            // name one value that went missing, and the threads at work when its answer came
            var present = (values ?? []).ToHashSet();
            var lost = Enumerable.Range(0, keys.Count).FirstOrDefault(i => !present.Contains(FakeFetcher.ValueOf(keys[i])), -1);
            problems.Add($"{values?.Count ?? 0} values for {keys.Count} keys" +
                         (lost >= 0 && values is not null ? $"; {keys[lost]}'s value is missing: {fetcher.AnswerOf(lost)}, two continuations on different threads at the same moment, and one write lost" : ""));
        }
        else
        {
            var misplaced = Enumerable.Range(0, keys.Count).Where(i => values[i] != FakeFetcher.ValueOf(keys[i])).ToList();
            if (misplaced.Count > 0)
            {
                problems.Add($"{misplaced.Count} value(s) missing or out of place (at index {string.Join(", ", misplaced.Take(4).Select(i => $"{i}: \"{values[i] ?? "null"}\""))}{(misplaced.Count > 4 ? ", ..." : "")}): " +
                             $"{fetcher.AnswerOf(misplaced[0])}; two continuations on different threads at the same moment, and a write lost or misplaced");
            }
        }
        return problems.Count == 0 ? null : string.Join("; ", problems) + ".";
    }
}
