// Mistake: the synchronous version moved into Task.Run: the caller gets a pending task, but a thread-pool thread is blocked in ReadToEnd/WaitForExit for as long as each child runs.
// Caught by: Cancelling_kills_the_child_and_ends_the_call_promptly
using System.Diagnostics;

namespace ConcurrencyKata;

public static class ChildProcess
{
    public static Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Run(job, cancellationToken), cancellationToken);
    }

    private static JobResult Run(Job job, CancellationToken cancellationToken)
    {
        using var process = Process.Start(WorkerProgram.StartInfo())!;
        using var kill = cancellationToken.Register(() => Stop(process));
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.WriteLine(WorkerProtocol.Write(job));
        process.StandardInput.Close();
        var answer = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var stderr = error.Result;
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            throw new WorkerFailedException($"The worker for job {job.Id} exited with code {process.ExitCode}.", process.ExitCode, stderr, job.Id);
        }
        var line = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                   ?? throw new WorkerFailedException("no answer", process.ExitCode, stderr, job.Id);
        try
        {
            return WorkerProtocol.ReadResult(line);
        }
        catch (FormatException e)
        {
            throw new WorkerFailedException("not a result", process.ExitCode, stderr, job.Id, e);
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(2));
        }
        catch (InvalidOperationException)
        {
        }
    }
}
