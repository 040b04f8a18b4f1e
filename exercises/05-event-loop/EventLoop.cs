namespace ConcurrencyKata;

/// <summary>Exercise 05: build the event loop that async code runs on. Read README.md in this folder first.</summary>
public static class EventLoop
{
    /// <summary>
    /// Runs <paramref name="main"/> on the calling thread and keeps running its continuations
    /// there, one at a time, until the task it returned has completed.
    /// </summary>
    public static void Run(Func<Task> main)
    {
        throw new NotImplementedException(
            "Exercise 05 is waiting for you: see exercises/05-event-loop/README.md");
    }

    /// <summary>As <see cref="Run(Func{Task})"/>, and returns the result of <paramref name="main"/>'s task.</summary>
    public static T Run<T>(Func<Task<T>> main)
    {
        throw new NotImplementedException(
            "Exercise 05 is waiting for you: see exercises/05-event-loop/README.md");
    }
}
