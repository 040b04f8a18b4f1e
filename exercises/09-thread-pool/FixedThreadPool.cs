namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API: Submit returns a task, as ExecutorService.submit returns a future

/// <summary>
/// Exercise 09: a pool of a fixed number of threads of its own, taking work from one queue.
/// Read README.md in this folder first.
/// </summary>
public sealed class FixedThreadPool : IDisposable
{
    // TODO: what every thread shares: a queue of work, one lock (or a thread-safe queue that can
    //       block), a "shutting down" flag, and the threads themselves (to Join them later).

    /// <summary>Starts <paramref name="threadCount"/> threads that wait for work.</summary>
    public FixedThreadPool(int threadCount)
    {
        // TODO: reject threadCount < 1 (ArgumentOutOfRangeException), then start the threads:
        //       new Thread(...) { IsBackground = true }, never the .NET ThreadPool or Task.Run.
        //       Each one loops: take the next item (sleep while there is none), run it, repeat;
        //       it ends when the pool shuts down and the queue is empty.
        throw new NotImplementedException(
            "Exercise 09 is waiting for you: see exercises/09-thread-pool/README.md");
    }

    /// <summary>Queues <paramref name="work"/>; the task completes with its result, or faults with its exception.</summary>
    public Task<T> Submit<T>(Func<T> work)
    {
        // TODO: reject null work and work after Shutdown; wrap the work so that it completes a
        //       TaskCompletionSource<T> (created with RunContinuationsAsynchronously), catching any
        //       exception into it; queue the wrapper, wake one sleeping thread, return the task.
        throw new NotImplementedException(
            "Exercise 09 is waiting for you: see exercises/09-thread-pool/README.md");
    }

    /// <summary>Queues <paramref name="work"/>; the task completes when it has run, or faults with its exception.</summary>
    public Task Submit(Action work)
    {
        // TODO: the same as Submit<T>, with no value (it can call Submit<T>).
        throw new NotImplementedException(
            "Exercise 09 is waiting for you: see exercises/09-thread-pool/README.md");
    }

    /// <summary>Stops accepting work, lets the queued work finish, and returns once every thread has ended. Idempotent.</summary>
    public void Shutdown()
    {
        // TODO: set the flag (under the lock), wake every sleeping thread, then Join each thread.
        throw new NotImplementedException(
            "Exercise 09 is waiting for you: see exercises/09-thread-pool/README.md");
    }

    /// <summary>The same as <see cref="Shutdown"/>.</summary>
    public void Dispose()
    {
        // TODO: Shutdown().
        throw new NotImplementedException(
            "Exercise 09 is waiting for you: see exercises/09-thread-pool/README.md");
    }
}
