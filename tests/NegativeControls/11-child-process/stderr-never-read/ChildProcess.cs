// Mistake: never reads standard error (it is redirected by WorkerProgram.StartInfo, so its pipe fills up): a worker that writes a lot to stderr blocks forever; the exception carries no stderr either.
// Caught by: A_worker_that_fails_gives_WorkerFailedException_with_its_exit_code_and_what_it_wrote_to_stderr
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
            await process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job));
            process.StandardInput.Close();
            var answer = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var stderr = "";
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
