// Approach: Nito.AsyncEx's AsyncContext, a well-known single-threaded context: its Run does what the exercise asks.
using Nito.AsyncEx;

namespace ConcurrencyKata;

public static class EventLoop
{
    public static void Run(Func<Task> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        AsyncContext.Run(main);
    }

    public static T Run<T>(Func<Task<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        return AsyncContext.Run(main);
    }
}
