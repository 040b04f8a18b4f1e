// Mistake: reads the one line it needs and returns, without closing the child's standard input or awaiting its exit: the worker waits for more jobs forever (a process left behind by every call).
// Caught by: An_answer_that_is_not_a_result_gives_WorkerFailedException
using System.Diagnostics;

namespace ConcurrencyKata;

public static class ChildProcess
{
    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        var process = Process.Start(WorkerProgram.StartInfo())!;
        try
        {
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job));
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken)
                       ?? throw new WorkerFailedException("no answer", null, await error, job.Id);
            return WorkerProtocol.ReadResult(line);
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
