// Mistake: no loop at all: waits for main's task, so continuations run on thread-pool threads.
// Caught by: A_continuation_that_arrives_after_Run_has_returned_does_not_throw
namespace ConcurrencyKata;

public static class EventLoop
{
    public static void Run(Func<Task> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        main().GetAwaiter().GetResult();
    }

    public static T Run<T>(Func<Task<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        return main().GetAwaiter().GetResult();
    }
}
