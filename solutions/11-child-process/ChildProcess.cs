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
            Stop(process);
            throw;
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(2)); // the kill is instant; this only collects the exit
        }
        catch (InvalidOperationException)
        {
            // it had ended already
        }
    }
}
