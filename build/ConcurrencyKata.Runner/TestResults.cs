using System.Xml.Linq;
using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner;

public enum Outcome
{
    Passed,
    Failed,
    Skipped,

    /// <summary>Listed, not run: the check of an exercise not started yet.</summary>
    NotRun,
}

/// <summary>One test of the judge and how it ended.</summary>
public sealed record TestOutcome(string ClassName, string MethodName, Outcome Outcome, string Message, string StackTrace, TimeSpan Duration)
{
    public string FullName => $"{ClassName}.{MethodName}";

    /// <summary>The arguments of one case of a theory, as xunit prints them ("capacity: 0, consumers: 2"); empty for a fact.</summary>
    public string Case { get; init; } = "";

    /// <summary>Where the check's test method is declared in its class (the host's <see cref="CheckEvent.Order"/>): the order a learner meets the checks in.</summary>
    public int Order { get; init; } = int.MaxValue;

    /// <summary>Where the check is skipped or weaker, and why (the host's <see cref="CheckEvent.PlatformLimit"/>); null when it judges the same everywhere.</summary>
    public string? PlatformLimit { get; init; }

    /// <summary>The full name of the exception a failing check threw; null for an assertion the judge made.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>The check's identity in the judge host's records (its timelines are filed under it).</summary>
    public CheckId Id => new(ClassName, MethodName, Case);

    /// <summary>
    /// The message as a learner reads it: the judge's own assertions as they are, any other exception
    /// (a NotImplementedException of a stub, an exception of the learner's code) with its short type name first.
    /// </summary>
    public string Explanation => ExceptionType is null || ExceptionType.StartsWith("Xunit.", StringComparison.Ordinal)
        ? Message
        : $"{ExceptionType[(ExceptionType.LastIndexOf('.') + 1)..]}: {Message}";

    /// <summary>The check as a learner reads it: "Every_fetch_is_started" becomes "every fetch is started".</summary>
    public string Check => Case.Length == 0 ? Humanize(MethodName) : $"{Humanize(MethodName)} ({Case})";

    public static string Humanize(string methodName)
    {
        var text = methodName.Replace('_', ' ');
        var firstWord = text.Split(' ')[0];
        // "Every fetch" reads as "every fetch"; a name such as "FetchAllAsync" stays as it is
        return firstWord.Length > 0 && char.IsUpper(firstWord[0]) && !firstWord.Skip(1).Any(char.IsUpper)
            ? char.ToLowerInvariant(text[0]) + text[1..]
            : text;
    }
}

/// <summary>How a test run ended before it finished.</summary>
public enum AbortKind
{
    /// <summary>The whole run took longer than the runner allows.</summary>
    TimedOut,

    /// <summary>One test ran longer than the hang timeout; the test host was stopped.</summary>
    Hung,

    /// <summary>The test host died (a StackOverflowException, an exception on a thread of its own).</summary>
    Crashed,

    /// <summary>The test host ended before reporting anything.</summary>
    EndedEarly,
}

/// <summary>
/// Why a run ended early, as a value: the kind, the test that was running (its full name) when
/// the host knew it, and the tail of the output for <see cref="AbortKind.EndedEarly"/>. The words
/// for the learner are written in one place: <see cref="Report.Explain"/>.
/// </summary>
public sealed record Abort(AbortKind Kind, string? Test = null, string? Output = null)
{
    /// <summary>Whether the test that was running belongs to <paramref name="exercise"/>.</summary>
    public bool In(Exercise exercise) => Test is not null && exercise.Owns(Test[..Math.Max(0, Test.LastIndexOf('.'))]);
}

/// <summary>What one run of the judge produced: the outcomes, and why the run ended early if it did (one reason per early end).</summary>
public sealed record TestRun(IReadOnlyList<TestOutcome> Outcomes, IReadOnlyList<Abort> Aborts)
{
    public bool WasAborted => Aborts.Count > 0;

    public IEnumerable<TestOutcome> For(Exercise exercise) => Outcomes.Where(o => exercise.Owns(o.ClassName));
}

/// <summary>Reads the Visual Studio test results (.trx) file that `dotnet test --logger trx` writes.</summary>
public static class TrxReader
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public static IReadOnlyList<TestOutcome> Read(string path) => Parse(XDocument.Load(path));

    public static IReadOnlyList<TestOutcome> Parse(XDocument trx)
    {
        var definitions = trx.Descendants(Ns + "UnitTest")
            .Select(u => (Id: (string?)u.Attribute("id"), Method: u.Element(Ns + "TestMethod")))
            .Where(x => x.Id is not null && x.Method is not null)
            .ToDictionary(x => x.Id!, x => (Class: (string?)x.Method!.Attribute("className") ?? "", Name: (string?)x.Method.Attribute("name") ?? ""));

        var outcomes = new List<TestOutcome>();
        foreach (var result in trx.Descendants(Ns + "UnitTestResult"))
        {
            var id = (string?)result.Attribute("testId") ?? "";
            var testName = (string?)result.Attribute("testName") ?? "";
            var (className, method) = definitions.TryGetValue(id, out var d) ? d : SplitName(testName);
            if (method.StartsWith(className + ".", StringComparison.Ordinal))
            {
                method = method[(className.Length + 1)..];
            }
            var error = result.Element(Ns + "Output")?.Element(Ns + "ErrorInfo");
            var outcome = ((string?)result.Attribute("outcome")) switch
            {
                "Passed" => Outcome.Passed,
                "NotExecuted" or "Inconclusive" => Outcome.Skipped,
                _ => Outcome.Failed,
            };
            var duration = TimeSpan.TryParse((string?)result.Attribute("duration"), out var t) ? t : TimeSpan.Zero;
            var (type, message) = SplitType(((string?)error?.Element(Ns + "Message") ?? "").Trim());
            outcomes.Add(new TestOutcome(className, method, outcome, message, ((string?)error?.Element(Ns + "StackTrace") ?? "").Trim(), duration)
            {
                Case = CaseOf(testName),
                ExceptionType = type,
            });
        }
        return outcomes;
    }


    /// <summary>A TRX message starts with the exception's type ("System.InvalidOperationException : text"): take it apart.</summary>
    internal static (string? Type, string Message) SplitType(string message)
    {
        var colon = message.IndexOf(" : ", StringComparison.Ordinal);
        return colon > 0 && !message[..colon].Contains(' ', StringComparison.Ordinal) && message[..colon].Contains('.', StringComparison.Ordinal)
            ? (message[..colon], message[(colon + 3)..])
            : (null, message);
    }

    private static string CaseOf(string testName)
    {
        var paren = testName.IndexOf('(');
        return paren >= 0 && testName.EndsWith(')') ? testName[(paren + 1)..^1] : "";
    }

    private static (string Class, string Method) SplitName(string testName)
    {
        var paren = testName.IndexOf('(');
        var plain = paren >= 0 ? testName[..paren] : testName;
        var dot = plain.LastIndexOf('.');
        return dot < 0 ? ("", testName) : (plain[..dot], testName[(dot + 1)..]);
    }
}

/// <summary>
/// Reads what the judge's own host writes (<see cref="CheckEvent"/>, HostContract.cs): a check that
/// started and never ended is the one that was running when the host was stopped or died.
/// </summary>
public static class HostResultsReader
{
    public sealed record Results(IReadOnlyList<TestOutcome> Outcomes, string? Running, IReadOnlyList<string> Errors);

    public static Results Read(string path) => Parse(CheckEvent.ReadAll(path));

    public static Results Parse(IEnumerable<CheckEvent> events)
    {
        var outcomes = new List<TestOutcome>();
        var errors = new List<string>();
        string? running = null;
        foreach (var e in events)
        {
            if (e.Event == CheckEventKind.Error || e.Check is null)
            {
                errors.Add(e.Message ?? "");
                continue;
            }
            if (e.Event == CheckEventKind.Started)
            {
                running = e.Check.FullName;
                continue;
            }
            var outcome = e.Event switch
            {
                CheckEventKind.Passed => Outcome.Passed,
                CheckEventKind.Skipped => Outcome.Skipped,
                CheckEventKind.Listed => Outcome.NotRun,
                _ => Outcome.Failed,
            };
            outcomes.Add(new TestOutcome(e.Check.Class, e.Check.Method, outcome, (e.Message ?? "").Trim(), (e.StackTrace ?? "").Trim(), TimeSpan.FromSeconds(e.Seconds ?? 0))
            {
                Case = e.Check.Arguments,
                ExceptionType = e.ExceptionType,
                Order = e.Order ?? int.MaxValue,
                PlatformLimit = e.PlatformLimit,
            });
            if (e.Event != CheckEventKind.Listed)
            {
                running = null;
            }
        }
        return new Results(outcomes, running, errors);
    }
}
