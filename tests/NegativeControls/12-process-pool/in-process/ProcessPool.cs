// Mistake: the jobs run here, in the caller's own process (the worker's loop on in-memory text, workerCount at a time on the thread pool): right answers, and fast, but no worker process at all.
// Caught by: Workers_are_long_lived_and_reused_from_call_to_call
namespace ConcurrencyKata;

public sealed class ProcessPool : IAsyncDisposable
{
    private readonly int _workerCount;
    private bool _disposed;

    public ProcessPool(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        _workerCount = workerCount;
    }

    public async Task<IReadOnlyList<JobResult>> MapAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var results = new JobResult[jobs.Count];
        var failures = new Exception?[jobs.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = _workerCount, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs.Count), options, (i, _) =>
        {
            // "the same program, without the cost of a process"
            var output = new StringWriter();
            var error = new StringWriter();
            var exitCode = WorkerLoop.Run(new StringReader(WorkerProtocol.Write(jobs[i])), output, error);
            var line = output.ToString().Trim();
            if (exitCode != 0 || line.Length == 0)
            {
                failures[i] = new WorkerFailedException($"Job {jobs[i].Id} failed with exit code {exitCode}.", exitCode, error.ToString(), jobs[i].Id);
            }
            else
            {
                results[i] = WorkerProtocol.ReadResult(line);
            }
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            throw failure;
        }
        return results;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }
}
