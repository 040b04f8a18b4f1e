using System.Diagnostics;
using System.Runtime.InteropServices;
using ConcurrencyKata.Contract;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ConcurrencyKata.Tests.Host;

/// <summary>
/// Runs the judge's checks in this process, without VSTest: one process instead of two (the
/// console and its test host). Every run of the judge from the runner goes through it. What it
/// is asked (<see cref="HostRequest"/>), what it writes (<see cref="CheckEvent"/>, one JSON line
/// per event as it happens, so a run killed by a timeout or ended by a crash still says which
/// check was running) and how it ends (<see cref="HostExit"/>) are the contract in HostContract.cs,
/// which the runner compiles too.
/// </summary>
public static class JudgeHost
{
    public static int Main(string[] args)
    {
        if (HostRequest.Parse(args, out var error) is not { } request)
        {
            Console.Error.WriteLine(error);
            return HostExit.BadRequest;
        }
        if (request.Timelines is { } timelines)
        {
            TimelineLog.File = Path.GetFullPath(timelines);
        }

        // as VSTest's test host does: the checks run in the folder they were built into
        Environment.CurrentDirectory = AppContext.BaseDirectory;
        using var writer = new ResultWriter(Path.GetFullPath(request.Results));
        var code = Run(request, writer);
        writer.Dispose();
        // the actors track's silos run in this process: stopped here, or with it should they not stop
        SharedCluster.StopAllAsync().Wait(TimeSpan.FromSeconds(25));
        // a control's foreground thread that never ends must not keep the run alive
        ExitNow(code);
        return code;
    }

    private static int Run(HostRequest request, ResultWriter writer)
    {
        var first = request.FirstMethods;
        var durations = request.OrderBy is null && first.Count == 0 ? null : Durations(request.OrderBy);
        var assembly = typeof(JudgeHost).Assembly;
        var diagnostics = new NullSink();
        using var framework = new XunitTestFramework(diagnostics);
        var options = new XunitOptions();
        options.SetValue("xunit.discovery.PreEnumerateTheories", true);
        options.SetValue("xunit.execution.DisableParallelization", true);
        options.SetValue("xunit.execution.MaxParallelThreads", 1);

        using var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly));
        var found = new DiscoverySink();
        discoverer.Find(includeSourceInformation: false, found, options);
        found.Finished.Wait();
        bool In(ITestCase c, IReadOnlyList<string> namespaces) => namespaces.Any(ns => c.TestMethod.TestClass.Class.Name.StartsWith(ns, StringComparison.Ordinal));
        foreach (var listed in found.TestCases.Where(c => In(c, request.Listed)))
        {
            writer.Write(Described(new CheckEvent(CheckEventKind.Listed, IdOf(listed.TestMethod, listed.DisplayName)), listed.TestMethod));
        }
        var cases = found.TestCases.Where(c => request.Namespaces.Count == 0 ? request.Listed.Count == 0 : In(c, request.Namespaces)).ToList();
        if (cases.Count == 0)
        {
            if (request.Listed.Count > 0 && request.Namespaces.Count == 0)
            {
                return HostExit.AllPassed; // a listing only
            }
            Console.Error.WriteLine($"no check matched {string.Join(", ", request.Namespaces)}");
            return HostExit.BadRequest;
        }

        using var executor = framework.GetExecutor(assembly.GetName());
        var sink = new ExecutionSink(writer, request.StopAtFirstFailure);
        if (request.HangTimeout is { } patience)
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
                .ThenBy(c => durations.TryGetValue(IdOf(c.TestMethod, c.DisplayName), out var seconds) ? seconds : double.MaxValue);
            foreach (var testCase in ordered)
            {
                sink.Finished.Reset();
                executor.RunTests([testCase], sink, options);
                sink.Finished.Wait();
            }
        }
        return sink.Failures > 0 ? HostExit.Failed : HostExit.AllPassed;
    }

    /// <summary>A check's identity; a theory's case carries its arguments as xunit shows them in the display name ("Method(capacity: 0)").</summary>
    private static CheckId IdOf(ITestMethod method, string displayName)
    {
        var paren = displayName.IndexOf('(');
        var arguments = paren >= 0 && displayName.EndsWith(')') ? displayName[(paren + 1)..^1] : "";
        return new CheckId(method.TestClass.Class.Name, method.Method.Name, arguments);
    }

    /// <summary>
    /// The event with what the runner shows about the check itself: where its method is declared in
    /// its class (its metadata row, which follows the source: the teaching order), and where the
    /// check is weaker (<see cref="PlatformLimitAttribute"/>).
    /// </summary>
    internal static CheckEvent Described(CheckEvent e, ITestMethod method)
    {
        if (method.Method is not IReflectionMethodInfo reflected)
        {
            return e;
        }
        var limit = reflected.MethodInfo.GetCustomAttributes(typeof(PlatformLimitAttribute), false).OfType<PlatformLimitAttribute>().FirstOrDefault();
        return e with { Order = reflected.MethodInfo.MetadataToken & 0x00FFFFFF, PlatformLimit = limit?.ToString() };
    }

    /// <summary>How long each check took in an earlier run's results file; empty when there is none.</summary>
    private static Dictionary<CheckId, double> Durations(string? resultsFile)
        => resultsFile is null
            ? []
            : CheckEvent.ReadAll(resultsFile)
                .Where(e => e is { Check: not null, Seconds: not null })
                .GroupBy(e => e.Check!)
                .ToDictionary(g => g.Key, g => g.Last().Seconds!.Value);

    /// <summary>Stops the run (<see cref="HostExit.Hung"/>) when one check has been running longer than <paramref name="patience"/>; the results file already names it.</summary>
    private static void Watch(ExecutionSink sink, TimeSpan patience)
    {
        while (true)
        {
            Thread.Sleep(250);
            if (sink.RunningSince is { } since && Stopwatch.GetElapsedTime(since) > patience)
            {
                ExitNow(HostExit.Hung);
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
        private int _failures;
        private long _runningSince;

        public int Failures => Volatile.Read(ref _failures);

        private static CheckId Id(ITest test) => IdOf(test.TestCase.TestMethod, test.DisplayName);

        /// <summary>The failure's own message, then each inner exception's ("---- Type : message"); its type is a field of its own.</summary>
        private static string Message(IFailureInformation failure)
            => string.Concat(failure.Messages.Select((m, i) => i == 0 ? m : $"\n---- {failure.ExceptionTypes[i]} : {m}"));

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
                    var id = Id(starting.Test);
                    writer.Write(new CheckEvent(CheckEventKind.Started, id));
                    TimelineLog.CurrentCheck = id;
                    Interlocked.Exchange(ref _runningSince, Stopwatch.GetTimestamp());
                    break;
                case ITestPassed passed:
                    // what the check wrote (a probe's figures) is kept with a pass; a failure's message says it already
                    writer.Write(Described(new CheckEvent(CheckEventKind.Passed, Id(passed.Test), Seconds: (double)passed.ExecutionTime,
                        Output: string.IsNullOrWhiteSpace(passed.Output) ? null : passed.Output.TrimEnd()), passed.Test.TestCase.TestMethod));
                    break;
                case ITestSkipped skipped:
                    writer.Write(Described(new CheckEvent(CheckEventKind.Skipped, Id(skipped.Test), skipped.Reason, Seconds: 0), skipped.Test.TestCase.TestMethod));
                    break;
                case ITestFailed failed:
                    Interlocked.Increment(ref _failures);
                    writer.Write(Described(new CheckEvent(CheckEventKind.Failed, Id(failed.Test), Message(failed), failed.ExceptionTypes.FirstOrDefault(),
                        ExceptionUtility.CombineStackTraces(failed), (double)failed.ExecutionTime), failed.Test.TestCase.TestMethod));
                    if (stopAtFirstFailure)
                    {
                        writer.Dispose();
                        ExitNow(HostExit.Failed);
                    }
                    break;
                case IErrorMessage error:
                    Interlocked.Increment(ref _failures);
                    writer.Write(new CheckEvent(CheckEventKind.Error, null, Message(error), error.ExceptionTypes.FirstOrDefault(), ExceptionUtility.CombineStackTraces(error)));
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

        public void Write(CheckEvent e)
        {
            lock (_lock)
            {
                if (!_closed)
                {
                    _file.WriteLine(e.ToJson());
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

    private sealed class XunitOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
