// Mistake: never looks at the caller's token: a cancelled call waits for the child to finish its job (30 s), and a token cancelled before the call still starts a child.
// Caught by: A_token_cancelled_before_the_call_leaves_no_child_behind
using System.Diagnostics;

namespace ConcurrencyKata;

public static class ChildProcess
{
    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        using var process = Process.Start(WorkerProgram.StartInfo())!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            await process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job));
            process.StandardInput.Close();
            await process.WaitForExitAsync(CancellationToken.None);
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
