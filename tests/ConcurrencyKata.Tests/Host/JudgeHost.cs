using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ConcurrencyKata.Tests.Host;

/// <summary>
/// Runs the judge's checks in this process, without VSTest: one process instead of two
/// (the console and its test host), which saves about a second per run. The runner uses it for
/// negative controls and alternative solutions, hundreds of short runs.
/// <code>dotnet ConcurrencyKata.Tests.dll --results FILE [--namespace NS.]... [--stop-at-first-failure] [--hang-timeout SECONDS] [--order-by EARLIER-RESULTS] [--first METHOD]...</code>
/// --order-by runs the quickest checks (as an earlier run timed them) first; --first runs the
/// checks of the named test methods before all others. --timelines appends each scenario's
/// timeline to FILE (JSON lines, see <see cref="Probes.TimelineLog"/>) for the HTML report.
/// Writes one JSON line per event to FILE as it happens ("started", then "passed", "failed" or
/// "skipped"), so a run killed by a timeout or ended by a crash still says which check was running.
/// Exit code: 0 all passed, 1 a check failed, 2 bad arguments or no check matched, 3 a check ran
/// longer than the hang timeout (a deadlock, or a starved thread pool) and the run was stopped.
/// </summary>
public static class JudgeHost
{
    public static int Main(string[] args)
    {
        string? results = null;
        var namespaces = new List<string>();
        var stopAtFirstFailure = false;
        TimeSpan? hangTimeout = null;
        string? orderBy = null;
        var first = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--results" when i + 1 < args.Length: results = args[++i]; break;
                case "--namespace" when i + 1 < args.Length: namespaces.Add(args[++i]); break;
                case "--stop-at-first-failure": stopAtFirstFailure = true; break;
                case "--order-by" when i + 1 < args.Length: orderBy = args[++i]; break;
                case "--first" when i + 1 < args.Length: first.Add(args[++i]); break;
                case "--timelines" when i + 1 < args.Length: Probes.TimelineLog.File = Path.GetFullPath(args[++i]); break;
                case "--hang-timeout" when i + 1 < args.Length && int.TryParse(args[i + 1], out var seconds) && seconds > 0:
                    hangTimeout = TimeSpan.FromSeconds(seconds);
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: --results FILE [--namespace NS.]... [--stop-at-first-failure] [--hang-timeout SECONDS] [--order-by EARLIER-RESULTS] [--first METHOD]... [--timelines FILE]");
                    return 2;
            }
        }
        if (results is null)
        {
            Console.Error.WriteLine("--results FILE is required");
            return 2;
        }

        // as VSTest's test host does: the checks run in the folder they were built into
        Environment.CurrentDirectory = AppContext.BaseDirectory;
        using var writer = new ResultWriter(Path.GetFullPath(results));
        var code = Run(namespaces, stopAtFirstFailure, hangTimeout, orderBy is null && first.Count == 0 ? null : Durations(orderBy), first, writer);
        writer.Dispose();
        // a control's foreground thread that never ends must not keep the run alive
        ExitNow(code);
        return code;
    }

    private static int Run(IReadOnlyList<string> namespaces, bool stopAtFirstFailure, TimeSpan? hangTimeout, IReadOnlyDictionary<string, double>? durations,
        IReadOnlyList<string> first, ResultWriter writer)
    {
        var assembly = typeof(JudgeHost).Assembly;
        var diagnostics = new NullSink();
        using var framework = new XunitTestFramework(diagnostics);
        var options = new Options();
        options.SetValue("xunit.discovery.PreEnumerateTheories", true);
        options.SetValue("xunit.execution.DisableParallelization", true);
        options.SetValue("xunit.execution.MaxParallelThreads", 1);

        using var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly));
        var found = new DiscoverySink();
        discoverer.Find(includeSourceInformation: false, found, options);
        found.Finished.Wait();
        var cases = found.TestCases
            .Where(c => namespaces.Count == 0 || namespaces.Any(ns => c.TestMethod.TestClass.Class.Name.StartsWith(ns, StringComparison.Ordinal)))
            .ToList();
        if (cases.Count == 0)
        {
            Console.Error.WriteLine($"no check matched {string.Join(", ", namespaces)}");
            return 2;
        }

        using var executor = framework.GetExecutor(assembly.GetName());
        var sink = new ExecutionSink(writer, stopAtFirstFailure);
        if (hangTimeout is { } patience)
        {
            // a dedicated thread: a check that deadlocks or starves the thread pool cannot hold it up
            new Thread(() => Watch(sink, patience)) { IsBackground = true, Name = "judge host hang watchdog" }.Start();
        }
        if (durations is null)
        {
            executor.RunTests(cases, sink, options);
            sink.Finished.Wait();
        }
        else
        {
            // the named methods first, then the quickest first, one at a time (xunit would sort them its
            // own way): a run that stops at its first failure gets there sooner, whichever check that is
            var ordered = cases
                .OrderBy(c => first.Contains(c.TestMethod.Method.Name) ? 0 : 1)
                .ThenBy(c => durations.TryGetValue(c.DisplayName, out var seconds) ? seconds : double.MaxValue);
            foreach (var testCase in ordered)
            {
                sink.Finished.Reset();
                executor.RunTests([testCase], sink, options);
                sink.Finished.Wait();
            }
        }
        return sink.Failures > 0 ? 1 : 0;
    }

    /// <summary>How long each check (by its display name) took in an earlier run's results file; empty when it cannot be read.</summary>
    private static Dictionary<string, double> Durations(string? resultsFile)
    {
        var durations = new Dictionary<string, double>();
        if (resultsFile is null)
        {
            return durations;
        }
        try
        {
            foreach (var line in File.ReadLines(resultsFile))
            {
                try
                {
                    using var json = JsonDocument.Parse(line);
                    var root = json.RootElement;
                    if (root.TryGetProperty("seconds", out var seconds) && seconds.ValueKind == JsonValueKind.Number
                        && root.TryGetProperty("name", out var name) && name.GetString() is { } key)
                    {
                        durations[key] = seconds.GetDouble();
                    }
                }
                catch (JsonException)
                {
                    // a line cut short: skip it
                }
            }
        }
        catch (IOException)
        {
            // no earlier run: xunit's own order
        }
        return durations;
    }

    /// <summary>Stops the run (exit code 3) when one check has been running longer than <paramref name="patience"/>; the results file already names it.</summary>
    private static void Watch(ExecutionSink sink, TimeSpan patience)
    {
        while (true)
        {
            Thread.Sleep(250);
            if (sink.RunningSince is { } since && Stopwatch.GetElapsedTime(since) > patience)
            {
                ExitNow(3);
            }
        }
    }

    /// <summary>
    /// Ends the process with <paramref name="code"/>. Environment.Exit runs the process's exit
    /// handlers first; should one of them wait for a thread pool that the code under test has
    /// starved, the process ends without them after 5 s.
    /// </summary>
    private static void ExitNow(int code)
    {
        var exit = new Thread(() => Environment.Exit(code)) { IsBackground = true, Name = "judge host exit" };
        exit.Start();
        exit.Join(TimeSpan.FromSeconds(5));
        if (!OperatingSystem.IsWindows())
        {
            _exit(code);
        }
        Environment.FailFast($"the judge host could not exit normally (exit code {code})");
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);

    private sealed class NullSink : LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message) => true;
    }

    private sealed class DiscoverySink : LongLivedMarshalByRefObject, IMessageSink
    {
        public List<ITestCase> TestCases { get; } = [];
        public ManualResetEventSlim Finished { get; } = new();

        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestCaseDiscoveryMessage discovered)
            {
                TestCases.Add(discovered.TestCase);
            }
            else if (message is IDiscoveryCompleteMessage)
            {
                Finished.Set();
            }
            return true;
        }
    }

    private sealed class ExecutionSink(ResultWriter writer, bool stopAtFirstFailure) : LongLivedMarshalByRefObject, IMessageSink
    {
        public ManualResetEventSlim Finished { get; } = new();
        public int Failures;
        private long _runningSince;

        /// <summary>When the check now running started (a Stopwatch timestamp), or null between checks.</summary>
        public long? RunningSince => Interlocked.Read(ref _runningSince) is var t && t != 0 ? t : null;

        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestResultMessage)
            {
                Interlocked.Exchange(ref _runningSince, 0);
            }
            switch (message)
            {
                case ITestStarting starting:
                    writer.Write("started", starting.Test, null, null, null, null);
                    Probes.TimelineLog.CurrentCheck = starting.Test.DisplayName;
                    Interlocked.Exchange(ref _runningSince, Stopwatch.GetTimestamp());
                    break;
                case ITestPassed passed:
                    writer.Write("passed", passed.Test, null, null, passed.ExecutionTime, passed.Output);
                    break;
                case ITestSkipped skipped:
                    writer.Write("skipped", skipped.Test, skipped.Reason, null, 0, skipped.Output);
                    break;
                case ITestFailed failed:
                    Failures++;
                    writer.Write("failed", failed.Test, ExceptionUtility.CombineMessages(failed), ExceptionUtility.CombineStackTraces(failed), failed.ExecutionTime, failed.Output);
                    if (stopAtFirstFailure)
                    {
                        writer.Dispose();
                        ExitNow(1);
                    }
                    break;
                case IErrorMessage error:
                    Failures++;
                    writer.WriteError(ExceptionUtility.CombineMessages(error), ExceptionUtility.CombineStackTraces(error));
                    break;
                case ITestAssemblyFinished:
                    Finished.Set();
                    break;
            }
            return true;
        }
    }

    private sealed class ResultWriter(string path) : IDisposable
    {
        private readonly StreamWriter _file = new(path, append: false) { AutoFlush = true };
        private readonly object _lock = new();
        private bool _closed;

        public void Write(string @event, ITest test, string? message, string? stackTrace, decimal? seconds, string? output)
        {
            var method = test.TestCase.TestMethod;
            Line(new Dictionary<string, object?>
            {
                ["event"] = @event,
                ["class"] = method.TestClass.Class.Name,
                ["method"] = method.Method.Name,
                ["name"] = test.DisplayName,
                ["message"] = message,
                ["stackTrace"] = stackTrace,
                ["seconds"] = seconds,
                ["output"] = string.IsNullOrEmpty(output) ? null : output,
            });
        }

        public void WriteError(string? message, string? stackTrace)
            => Line(new Dictionary<string, object?> { ["event"] = "error", ["message"] = message, ["stackTrace"] = stackTrace });

        private void Line(Dictionary<string, object?> fields)
        {
            lock (_lock)
            {
                if (!_closed)
                {
                    _file.WriteLine(JsonSerializer.Serialize(fields.Where(f => f.Value is not null).ToDictionary()));
                }
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (!_closed)
                {
                    _closed = true;
                    _file.Dispose();
                }
            }
        }
    }

    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
