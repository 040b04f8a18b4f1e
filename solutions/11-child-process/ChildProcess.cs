using System.Diagnostics;

namespace ConcurrencyKata;

/// <summary>
/// Exercise 11, reference solution: one job in one child process. The child's standard output
/// and standard error are read at the same time as it runs (a pipe holds only about 64 KB: a
/// child that fills one nobody reads stops until someone does), its exit is awaited, not waited
/// for on a thread, and a cancelled call kills it.
/// </summary>
public static class ChildProcess
{
    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();

        using var process = Process.Start(WorkerProgram.StartInfo())
                            ?? throw new WorkerFailedException("The worker process did not start.", jobId: job.Id);
        try
        {
            // both outputs are read from now on, while the child runs
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job).AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close(); // one job only: the worker answers it, sees the end of its input, and exits
            }
            catch (IOException)
            {
                // the worker ended before it read the job: its exit code and stderr say why
            }
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var answer = await output.ConfigureAwait(false);
            var stderr = await error.ConfigureAwait(false);

            if (process.ExitCode != 0)
            {
                throw new WorkerFailedException($"The worker for job {job.Id} exited with code {process.ExitCode}.", process.ExitCode, stderr, job.Id);
            }
            var line = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                       ?? throw new WorkerFailedException($"The worker for job {job.Id} exited without an answer.", process.ExitCode, stderr, job.Id);
            JobResult result;
            try
            {
                result = WorkerProtocol.ReadResult(line);
            }
            catch (FormatException e)
            {
                throw new WorkerFailedException($"The worker for job {job.Id} answered something that is not a result: {e.Message}", process.ExitCode, stderr, job.Id, e);
            }
            return result.JobId == job.Id
                ? result
                : throw new WorkerFailedException($"The worker answered job {result.JobId}, not job {job.Id}.", process.ExitCode, stderr, job.Id);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // cancelled: the child must not outlive the call
            await StopAsync(process).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Kill only asks the operating system to end the child and returns before it has gone: await
    /// its exit too, without the caller's token (it is cancelled already), not for ever, and
    /// without holding a thread while it goes.
    /// </summary>
    private static async Task StopAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            return; // no process to kill any more (on one that has exited, Kill does nothing)
        }
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // killed, and still going after 2 s: the call ends anyway; the judge names a child left behind
        }
    }
}
