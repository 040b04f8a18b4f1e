// Mistake: no loop at all: waits for main's task, so continuations run on thread-pool threads.
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
