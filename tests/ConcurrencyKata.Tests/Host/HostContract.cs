using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

// The one contract between the kata runner and the judge's host: what the runner asks for (the
// host's command line), how the host ends (its exit code), and what it writes (one JSON line per
// check event; one JSON line per scenario's timeline). This file is compiled into the judge, where
// it lives, and linked into the runner (build/ConcurrencyKata.Runner), so both sides read and
// write the same records and nothing is parsed by hand on either side.
namespace ConcurrencyKata.Contract;

/// <summary>How the judge's host ends.</summary>
public static class HostExit
{
    /// <summary>Every check that ran passed (or skipped itself with a reason).</summary>
    public const int AllPassed = 0;

    /// <summary>A check failed.</summary>
    public const int Failed = 1;

    /// <summary>The request was not understood, or no check matched it.</summary>
    public const int BadRequest = 2;

    /// <summary>A check ran longer than the hang timeout (a deadlock, or a starved thread pool): the run was stopped.</summary>
    public const int Hung = 3;
}

/// <summary>
/// What the runner asks the judge's host to do:
/// <c>dotnet ConcurrencyKata.Tests.dll --results FILE [--namespace NS.]... [--list NS.]... [--stop-at-first-failure]
/// [--hang-timeout SECONDS] [--order-by EARLIER-RESULTS] [--first METHOD]... [--timelines FILE]</c>.
/// </summary>
/// <param name="Results">Where the host writes one <see cref="CheckEvent"/> per line, as it happens.</param>
/// <param name="Namespaces">Run the checks whose class name starts with one of these (none: every check).</param>
/// <param name="Listed">List the checks of these namespaces without running them (a "listed" event each).</param>
/// <param name="StopAtFirstFailure">End the run at the first failing check.</param>
/// <param name="HangTimeout">Stop the run when one check runs longer than this.</param>
/// <param name="OrderBy">An earlier results file: run the quickest checks (as it timed them) first.</param>
/// <param name="First">Test methods to run before all others (a negative control's "Caught by").</param>
/// <param name="Timelines">Where each scenario's timeline is appended (<see cref="ScenarioTimeline"/>), for the HTML report.</param>
public sealed record HostRequest(
    string Results,
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<string> Listed,
    bool StopAtFirstFailure = false,
    TimeSpan? HangTimeout = null,
    string? OrderBy = null,
    IReadOnlyList<string>? First = null,
    string? Timelines = null)
{
    public const string Usage =
        "--results FILE [--namespace NS.]... [--list NS.]... [--stop-at-first-failure] [--hang-timeout SECONDS] [--order-by EARLIER-RESULTS] [--first METHOD]... [--timelines FILE]";

    public IReadOnlyList<string> FirstMethods => First ?? [];

    /// <summary>The host's command line for this request (after the assembly's path).</summary>
    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string> { "--results", Results };
        foreach (var ns in Namespaces)
        {
            args.AddRange(["--namespace", ns]);
        }
        foreach (var ns in Listed)
        {
            args.AddRange(["--list", ns]);
        }
        if (StopAtFirstFailure)
        {
            args.Add("--stop-at-first-failure");
        }
        if (HangTimeout is { } hang)
        {
            args.AddRange(["--hang-timeout", ((int)Math.Ceiling(hang.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]);
        }
        if (OrderBy is not null)
        {
            args.AddRange(["--order-by", OrderBy]);
        }
        foreach (var method in FirstMethods)
        {
            args.AddRange(["--first", method]);
        }
        if (Timelines is not null)
        {
            args.AddRange(["--timelines", Timelines]);
        }
        return args;
    }

    /// <summary>Reads a command line written by <see cref="ToArguments"/>; null and a reason when it cannot.</summary>
    public static HostRequest? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? results = null, orderBy = null, timelines = null;
        var namespaces = new List<string>();
        var listed = new List<string>();
        var first = new List<string>();
        var stop = false;
        TimeSpan? hang = null;
        for (var i = 0; i < args.Count; i++)
        {
            var valued = i + 1 < args.Count;
            switch (args[i])
            {
                case "--results" when valued: results = args[++i]; break;
                case "--namespace" when valued: namespaces.Add(args[++i]); break;
                case "--list" when valued: listed.Add(args[++i]); break;
                case "--stop-at-first-failure": stop = true; break;
                case "--order-by" when valued: orderBy = args[++i]; break;
                case "--first" when valued: first.Add(args[++i]); break;
                case "--timelines" when valued: timelines = args[++i]; break;
                case "--hang-timeout" when valued && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                    hang = TimeSpan.FromSeconds(seconds);
                    i++;
                    break;
                default:
                    error = $"unknown argument '{args[i]}'. Usage: {Usage}";
                    return null;
            }
        }
        if (results is null)
        {
            error = $"--results FILE is required. Usage: {Usage}";
            return null;
        }
        error = null;
        return new HostRequest(results, namespaces, listed, stop, hang, orderBy, first, timelines);
    }
}

/// <summary>What happened to a check, as the results file says it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckEventKind>))]
public enum CheckEventKind
{
    /// <summary>Listed only (<see cref="HostRequest.Listed"/>): the check exists and did not run.</summary>
    Listed,

    /// <summary>About to run; a check started and never ended is the one that was running when the host stopped.</summary>
    Started,

    Passed,
    Failed,
    Skipped,

    /// <summary>An error outside any check (xunit could not run something).</summary>
    Error,
}

/// <summary>One check of the judge: its class, its test method, and for a theory's case its arguments as xunit prints them ("capacity: 0, consumers: 2").</summary>
public sealed record CheckId(string Class, string Method, string Arguments = "")
{
    [JsonIgnore]
    public string FullName => $"{Class}.{Method}";
}

/// <summary>One line of the results file.</summary>
/// <param name="Message">A failure's message, or a skip's reason; the exception's type is in <paramref name="ExceptionType"/>, not in the message.</param>
/// <param name="Order">
/// Where the check's test method is declared in its class (its metadata row: the compiler keeps
/// source order). The order of the test methods is the order a learner should meet the checks in,
/// and the runner lists them so; the exercise's README table follows it (ci compares them).
/// </param>
/// <param name="PlatformLimit">Where the check is skipped or weaker, and why ("macOS, Windows: skipped: ..."); null when it judges the same everywhere.</param>
/// <param name="Output">What a passing check wrote (a probe's figures, such as each attempt of a parallelism check); null when it wrote nothing.</param>
public sealed record CheckEvent(
    CheckEventKind Event,
    CheckId? Check,
    string? Message = null,
    string? ExceptionType = null,
    string? StackTrace = null,
    double? Seconds = null,
    int? Order = null,
    string? PlatformLimit = null,
    string? Output = null)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Every event of a results file; a line cut short (a host killed while writing it) is skipped, a missing file is empty.</summary>
    public static IReadOnlyList<CheckEvent> ReadAll(string path)
    {
        var events = new List<CheckEvent>();
        if (!File.Exists(path))
        {
            return events;
        }
        foreach (var line in File.ReadLines(path))
        {
            if (FromJson(line) is { } e)
            {
                events.Add(e);
            }
        }
        return events;
    }

    public static CheckEvent? FromJson(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<CheckEvent>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One operation of a scenario's timeline, in milliseconds from the scenario's start, on one lane (a thread T12 or a process P4711).</summary>
public sealed record TimelineSpan(string Name, string Lane, double Start, double End, bool Open, bool Busy);

/// <summary>One scenario's timeline, as the judge's host keeps it for the HTML report: one JSON line each.</summary>
/// <param name="Total">How many operations the scenario recorded; <paramref name="Spans"/> holds the first of them.</param>
public sealed record ScenarioTimeline(CheckId Check, string Verdict, string Shape, int Total, IReadOnlyList<TimelineSpan> Spans)
{
    /// <summary>Where a failure message's text chart of the timeline begins (the page leaves it out when it draws the chart).</summary>
    public const string ChartMarker = "\ntimeline: ";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Every timeline of a file; lines cut short are skipped, a missing file is empty.</summary>
    public static IReadOnlyList<ScenarioTimeline> ReadAll(string path)
    {
        var timelines = new List<ScenarioTimeline>();
        if (!File.Exists(path))
        {
            return timelines;
        }
        foreach (var line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
        {
            try
            {
                if (JsonSerializer.Deserialize<ScenarioTimeline>(line, Json) is { Check: not null, Spans: not null } timeline)
                {
                    timelines.Add(timeline);
                }
            }
            catch (JsonException)
            {
                // the last line of a host killed while writing it
            }
        }
        return timelines;
    }
}
