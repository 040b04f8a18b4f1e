using System.Runtime.CompilerServices;

namespace ConcurrencyKata.Tests.Ex06;

/// <summary>
/// An async source of items "i0", "i1", ... that measures backpressure: each time it hands out
/// an item it records how many items are out and not yet finished, and it knows whether it
/// was read to the end and whether it was disposed.
/// </summary>
public sealed class CountingSource(int count, Func<int> finished)
{
    private int _read;
    private int _maxAhead;

    public int Count { get; } = count;

    /// <summary>Items handed out so far.</summary>
    public int Read => Volatile.Read(ref _read);

    /// <summary>The most items ever out of the source and not yet finished, measured as each item was handed out.</summary>
    public int MaxAhead => Volatile.Read(ref _maxAhead);

    public bool ReadToTheEnd { get; private set; }

    public bool Disposed { get; private set; }

    public IReadOnlyList<string> Items => Enumerable.Range(0, Count).Select(Item).ToList();

    public static string Item(int i) => $"i{i}";

    public async IAsyncEnumerable<string> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 0; i < Count; i++)
            {
                // a real source waits for its data; resume on the pool, as I/O does
                await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
                var ahead = Interlocked.Increment(ref _read) - finished();
                int seen;
                while (ahead > (seen = Volatile.Read(ref _maxAhead)) && Interlocked.CompareExchange(ref _maxAhead, ahead, seen) != seen)
                {
                }
                yield return Item(i);
            }
            ReadToTheEnd = true;
        }
        finally
        {
            Disposed = true;
        }
    }
}
