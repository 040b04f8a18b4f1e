// Mistake: ignores the exit code and parses whatever came out: a crashed worker (no output) becomes an InvalidOperationException from First() instead of a WorkerFailedException with the exit code and stderr.
// Caught by: An_answer_that_is_not_a_result_gives_WorkerFailedException
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
            await error;
            return WorkerProtocol.ReadResult(answer.Split('\n', StringSplitOptions.RemoveEmptyEntries).First().Trim());
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
