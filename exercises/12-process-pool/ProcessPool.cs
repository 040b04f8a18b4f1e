namespace ConcurrencyKata;

/// <summary>Exercise 12: a pool of long-lived worker processes. Read README.md in this folder first.</summary>
public sealed class ProcessPool : IAsyncDisposable
{
    /// <summary>A pool of at most <paramref name="workerCount"/> worker processes (<see cref="WorkerProgram.StartInfo"/>), each used for many jobs.</summary>
    public ProcessPool(int workerCount)
    {
    }

    /// <summary>
    /// Runs every job on the pool's workers, each job going to whichever worker is free, and
    /// returns the results in the order of <paramref name="jobs"/>. A job whose worker fails makes
    /// the call end with a <see cref="WorkerFailedException"/> once every other job has been
    /// tried; the pool replaces that worker. Cancelling stops the dispatch and kills the workers
    /// busy with this call's jobs.
    /// </summary>
    public Task<IReadOnlyList<JobResult>> MapAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        throw new NotImplementedException(
            "Exercise 12 is waiting for you: see exercises/12-process-pool/README.md");
    }

    /// <summary>Ends every worker process of the pool; the pool cannot be used afterwards.</summary>
    public ValueTask DisposeAsync()
    {
        return ValueTask.CompletedTask;
    }
}
