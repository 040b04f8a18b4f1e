// Approach: Process's own events: BeginOutputReadLine and BeginErrorReadLine deliver each line as it comes (both outputs read at once), WaitForExitAsync waits for the exit and for the last line, and a registration on the token kills the child.
using System.Diagnostics;
using System.Text;

namespace ConcurrencyKata;

public static class ChildProcess
{
    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();

        using var process = new Process { StartInfo = WorkerProgram.StartInfo() };
        var lines = new List<string>();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await using (cancellationToken.Register(() => Kill(process)))
        {
            try
            {
                await process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job)).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // it ended before reading the job: the exit code says why
            }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false); // the kill above ends it when cancelled
        }
        cancellationToken.ThrowIfCancellationRequested();

        string errors;
        lock (stderr)
        {
            errors = stderr.ToString();
        }
        if (process.ExitCode != 0)
        {
            throw new WorkerFailedException($"The worker for job {job.Id} exited with code {process.ExitCode}.", process.ExitCode, errors, job.Id);
        }
        string? first;
        lock (lines)
        {
            first = lines.FirstOrDefault();
        }
        if (first is null)
        {
            throw new WorkerFailedException($"The worker for job {job.Id} exited without an answer.", process.ExitCode, errors, job.Id);
        }
        try
        {
            return WorkerProtocol.ReadResult(first);
        }
        catch (FormatException e)
        {
            throw new WorkerFailedException($"The worker for job {job.Id} did not answer with a result.", process.ExitCode, errors, job.Id, e);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it had ended already
        }
    }
}
