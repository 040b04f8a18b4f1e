// Mistake: a static SemaphoreSlim(1) "to be safe" lets one call at a time run its child: every call is asynchronous, but children never run at the same time.
// Caught by: Several_children_run_at_the_same_time
using System.Diagnostics;

namespace ConcurrencyKata;

public static class ChildProcess
{
    // "to be safe": one child at a time
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        await Gate.WaitAsync(cancellationToken);
        using var process = Process.Start(WorkerProgram.StartInfo())!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job));
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            var answer = await output;
            var stderr = await error;
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
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Stop(process);
            throw;
        }
        finally
        {
            Gate.Release();
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
