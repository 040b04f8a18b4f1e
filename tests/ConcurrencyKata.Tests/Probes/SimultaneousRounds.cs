namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Repeats a <see cref="SimultaneousFetcher"/> scenario a bounded number of times and reports
/// the first round that went wrong. Correct code never goes wrong, so it runs every round;
/// code with a data race is caught in the first round or two (the self-tests measure how often).
/// </summary>
public static class SimultaneousRounds
{
    /// <summary>Rounds a check runs, by default, before it believes the code has no race.</summary>
    public const int Rounds = 5;

    /// <summary>Runs <paramref name="round"/> (1, 2, ...) until one returns a problem: "round r of R: problem", or null.</summary>
    /// <param name="round">One round; returns what went wrong, or null.</param>
    /// <param name="rounds">
    /// How many rounds at most: more where the race's window is narrow (a continuation of a few
    /// instructions scheduled through the pool), so that the check catches it on every run.
    /// </param>
    public static string? FirstFault(Func<int, string?> round, int rounds = Rounds)
    {
        for (var r = 1; r <= rounds; r++)
        {
            if (round(r) is { } problem)
            {
                return $"in round {r} of {rounds}: {problem}";
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
            problems.Add($"{wrongCalls.Count} key(s) not fetched exactly once ({string.Join(", ", wrongCalls.Take(4))}{(wrongCalls.Count > 4 ? ", ..." : "")})");
        }
        var keys = fetcher.Keys;
        if (values is null || values.Count != keys.Count)
        {
            problems.Add($"{values?.Count ?? 0} values for {keys.Count} keys");
        }
        else
        {
            var misplaced = Enumerable.Range(0, keys.Count).Where(i => values[i] != FakeFetcher.ValueOf(keys[i])).ToList();
            if (misplaced.Count > 0)
            {
                problems.Add($"{misplaced.Count} value(s) missing or out of place (at index {string.Join(", ", misplaced.Take(4).Select(i => $"{i}: \"{values[i] ?? "null"}\""))}{(misplaced.Count > 4 ? ", ..." : "")})");
            }
        }
        return problems.Count == 0 ? null : string.Join("; ", problems) + ".";
    }
}
