using System.Diagnostics;

namespace ConcurrencyKata;

/// <summary>
/// The worker program's body (its Main calls <see cref="Run"/> with the console's streams):
/// reads jobs until standard input closes, answers each in turn. Kept here, in the support
/// library, so the judge can test it in-process too.
/// </summary>
public static class WorkerLoop
{
    /// <summary>
    /// The environment variable that makes a worker misbehave on purpose, for the judge's checks of
    /// how a parent copes: "garbage" does every job but answers it with a line that is not a result; "silent"
    /// exits with 0 at the first job without answering.
    /// </summary>
    public const string FaultVariable = "CONCURRENCY_KATA_WORKER_FAULT";

    /// <summary>
    /// The environment variable that names a folder in which a worker appends one line per
    /// <see cref="JobKind.Checksum"/> job it ran to a file of its own, named by its PID (see
    /// <see cref="ChecksumTraceLine"/>): how the judge sees digests that run in other processes.
    /// Only the judge sets it.
    /// </summary>
    public const string ChecksumTraceVariable = "CONCURRENCY_KATA_CHECKSUM_TRACE";

    /// <summary>The worker's exit code when its parent process has gone (see <see cref="ExitWhenOrphaned"/>).</summary>
    public const int ExitOrphaned = 4;

    /// <summary>
    /// The environment variable in which <see cref="WorkerProgram.StartInfo"/> tells the worker which
    /// process started it (its PID), so that a worker whose starter died while it was still starting
    /// up (before it could ask who its parent is) does not outlive it.
    /// </summary>
    public const string StarterVariable = "CONCURRENCY_KATA_WORKER_STARTER";

    /// <summary>
    /// Ends this process when the process that started it has gone, even in the middle of a job: a
    /// worker whose parent was killed (a test host stopped mid-run, say) must not compute or sleep
    /// on, orphaned. Its closed standard input is seen only between jobs, and a job may already wait
    /// in the pipe. Looks at once, then four times a second: has the process been handed to another
    /// parent, or has its starter (<see cref="StarterVariable"/>) ended? Unix only (elsewhere it does nothing).
    /// </summary>
    public static void ExitWhenOrphaned(string? starter)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var parent = getppid();
        int? starterId = int.TryParse(starter, out var id) && id > 1 ? id : null;
        if (Orphaned(parent, starterId))
        {
            Environment.Exit(ExitOrphaned);
        }
        var watch = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(250);
                if (Orphaned(parent, starterId))
                {
                    Environment.Exit(ExitOrphaned);
                }
            }
        })
        { IsBackground = true, Name = "worker parent watch" };
        watch.Start();
    }

    private static bool Orphaned(int parent, int? starter) =>
        getppid() != parent || (starter is { } id && !IsAlive(id));

    /// <summary>Whether process <paramref name="id"/> runs (a zombie, dead but not yet reaped, does not).</summary>
    internal static bool IsAlive(int id)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses.
                var stat = File.ReadAllText($"/proc/{id}/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
                return state.Length > 0 && state[0] is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
        }
        return kill(id, 0) == 0 || System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != NoSuchProcess;
    }

    private const int NoSuchProcess = 3; // ESRCH

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int getppid();

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <returns>The exit code: 0 when <paramref name="input"/> closed, <see cref="WorkerProtocol.ExitBadInput"/> after a line that is not a job.</returns>
    public static int Run(TextReader input, TextWriter output, TextWriter error, string? fault = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        while (input.ReadLine() is { } line)
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }
            Job job;
            try
            {
                job = WorkerProtocol.ReadJob(line);
            }
            catch (FormatException e)
            {
                error.WriteLine($"worker {Environment.ProcessId}: {e.Message}");
                error.Flush();
                return WorkerProtocol.ExitBadInput;
            }
            if (fault == "silent")
            {
                return 0;
            }
            if (Answer(job, error) is not { } result)
            {
                return job.Kind == JobKind.Crash ? (int)job.Argument : WorkerProtocol.ExitRendezvousTimedOut;
            }
            output.WriteLine(fault == "garbage" ? $"job {job.Id} done, result unknown" : WorkerProtocol.Write(result));
            output.Flush();
        }
        return 0;
    }

    /// <summary>Runs one job; null when the worker must exit instead of answering (a crash, a rendezvous that timed out).</summary>
    private static JobResult? Answer(Job job, TextWriter error)
    {
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        long value;
        switch (job.Kind)
        {
            case JobKind.Compute:
                value = (long)(CpuWork.Burn(TimeSpan.FromMilliseconds(Math.Max(0, job.Argument))) >> 1);
                break;
            case JobKind.Sleep:
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(0, job.Argument)));
                value = job.Argument;
                break;
            case JobKind.Crash:
                if (job.Text is { Length: > 0 } crashTrace)
                {
                    Rendezvous.Meet(crashTrace, 1, WorkerProtocol.RendezvousTimeout);
                }
                error.WriteLine($"worker {Environment.ProcessId}: job {job.Id} asked me to crash with exit code {job.Argument}");
                error.Flush();
                return null;
            case JobKind.Echo:
                value = job.Argument;
                break;
            case JobKind.Noisy:
                value = WriteNoise(error, job);
                break;
            case JobKind.Checksum:
                value = DocumentChecksum.Compute(job.Text ?? "");
                break;
            case JobKind.Rendezvous:
                var arrived = Rendezvous.Meet(job.Text ?? $"job-{job.Id}", (int)Math.Max(1, job.Argument), WorkerProtocol.RendezvousTimeout);
                if (arrived < job.Argument)
                {
                    error.WriteLine($"worker {Environment.ProcessId}: job {job.Id}: rendezvous '{job.Text}' waited {WorkerProtocol.RendezvousTimeout.TotalSeconds:0} s " +
                                    $"for {job.Argument} workers, but only {arrived} arrived: the jobs did not run at the same time");
                    error.Flush();
                    return null;
                }
                value = arrived;
                break;
            default:
                error.WriteLine($"worker {Environment.ProcessId}: job {job.Id} has an unknown kind {job.Kind}");
                error.Flush();
                return null;
        }
        var end = Stopwatch.GetTimestamp();
        var result = new JobResult(job.Id, value, Environment.ProcessId, start, end, Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart);
        if (job.Kind == JobKind.Checksum && Environment.GetEnvironmentVariable(ChecksumTraceVariable) is { Length: > 0 } trace)
        {
            // a file per worker: one writer each, so no line is ever lost to another worker's append
            try
            {
                File.AppendAllText(Path.Combine(trace, $"{Environment.ProcessId}.txt"), ChecksumTraceLine(result, job.Text ?? ""));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the judge's check that asked for the trace has ended: the job's answer matters, not the trace
            }
        }
        return result;
    }

    /// <summary>A line of the checksum trace: "PID start end cpu-ticks document" (the document last: it may hold spaces).</summary>
    internal static string ChecksumTraceLine(JobResult result, string document)
        => FormattableString.Invariant($"{result.ProcessId} {result.StartTimestamp} {result.EndTimestamp} {result.CpuTime.Ticks} {document.ReplaceLineEndings(" ")}\n");

    private static long WriteNoise(TextWriter error, Job job)
    {
        var line = new string('~', 1023);
        long written = 0;
        for (long kb = 0; kb < job.Argument; kb++)
        {
            error.WriteLine(line);
            written += line.Length + 1;
        }
        error.Flush();
        return written;
    }
}

/// <summary>
/// A meeting point for worker processes, in the file system: each party leaves a file named by
/// its process id in a folder named after the rendezvous, then waits until enough files are
/// there. The folder is under the temporary folder; whoever names the rendezvous deletes it.
/// </summary>
public static class Rendezvous
{
    /// <summary>The folder where the rendezvous called <paramref name="name"/> meets.</summary>
    public static string FolderOf(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var safe = string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return Path.Combine(Path.GetTempPath(), "concurrency-kata-rendezvous", safe);
    }

    /// <summary>Arrives at <paramref name="name"/> and waits up to <paramref name="timeout"/> for <paramref name="parties"/> parties in all; returns how many had arrived.</summary>
    public static int Meet(string name, int parties, TimeSpan timeout)
    {
        var folder = FolderOf(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"{Environment.ProcessId}-{Environment.CurrentManagedThreadId}"), "");
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var arrived = Directory.Exists(folder) ? Directory.GetFiles(folder).Length : 0;
            if (arrived >= parties || Stopwatch.GetTimestamp() > until)
            {
                return arrived;
            }
            Thread.Sleep(1);
        }
    }
}
