using System.Diagnostics;
using System.Text;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// One worker process (support/ConcurrencyKata.Worker) driven by the judge itself: for the
/// worker's own tests, and as a known-good reference next to the learner's code (a calibration
/// of what two processes deliver at once). Every wait is bounded; standard error is drained all
/// the time (so a noisy worker never blocks on a full pipe); the scenario owns the process, so it
/// is killed when the test ends.
/// </summary>
public sealed class WorkerDriver : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrDrained;

    private WorkerDriver(Process process)
    {
        _process = process;
        _stderrDrained = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardError.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_stderr)
                {
                    _stderr.Append(buffer, 0, read);
                }
            }
        });
    }

    public static WorkerDriver Start(Scenario scenario)
    {
        var process = Process.Start(WorkerProgram.StartInfo()) ?? throw new InvalidOperationException("the worker program did not start");
        scenario.Own(process);
        return new WorkerDriver(process);
    }

    public int ProcessId => _process.Id;

    public Process Process => _process;

    /// <summary>What the worker has written to standard error so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Sends one line (a job, or anything else) to the worker's standard input.</summary>
    public void SendLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public void Send(Job job) => SendLine(WorkerProtocol.Write(job));

    /// <summary>The worker's next line of output, or null when it ended or wrote nothing for <paramref name="timeout"/>.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        // a read that timed out is still pending: the next call waits for that one (a reader allows one at a time)
        _pendingLine ??= _process.StandardOutput.ReadLineAsync();
        if (!_pendingLine.Wait(timeout))
        {
            return null;
        }
        var line = _pendingLine.Result;
        _pendingLine = null;
        return line;
    }

    private Task<string?>? _pendingLine;

    /// <summary>Sends <paramref name="job"/> and reads its result; fails with what the worker said when there is none within <paramref name="timeout"/>.</summary>
    public JobResult Run(Job job, TimeSpan timeout)
    {
        Send(job);
        var line = ReadLine(timeout)
                   ?? throw new TimeoutException($"the worker (PID {ProcessId}) gave no result for {job} within {timeout.TotalSeconds:0.#} s; stderr: {Tail(StandardError)}");
        return WorkerProtocol.ReadResult(line);
    }

    /// <summary>Closes the worker's standard input (as a parent that has gone does) and waits for it to exit; its exit code, or null if it is still running.</summary>
    public int? CloseAndWait(TimeSpan timeout)
    {
        _process.StandardInput.Close();
        return WaitForExit(timeout);
    }

    /// <summary>The exit code once the worker has exited (standard error drained), or null if it is still running after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return null;
        }
        _stderrDrained.Wait(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    /// <summary>A job's interval as the worker reported it, for the timeline: one lane per process, busy when it computed.</summary>
    public static Span SpanOf(Job job, JobResult result)
        => new($"{job.Kind.ToString().ToLowerInvariant()} #{job.Id}", result.StartTimestamp, result.EndTimestamp, 0, result.ProcessId, job.Kind == JobKind.Compute);

    private static string Tail(string text) => text.Length > 400 ? "..." + text[^400..] : text;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // gone already
        }
    }
}
