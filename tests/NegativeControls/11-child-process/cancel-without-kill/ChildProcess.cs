// Mistake: passes the token to every await, so a cancelled call ends at once with OperationCanceledException, but never kills the child: it runs on, orphaned, until its job is done.
// Caught by: Cancelling_kills_the_child_and_ends_the_call_promptly
using System.Diagnostics;

namespace ConcurrencyKata;

public static class ChildProcess
{
    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
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
        finally
        {
            // nothing to stop here
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
