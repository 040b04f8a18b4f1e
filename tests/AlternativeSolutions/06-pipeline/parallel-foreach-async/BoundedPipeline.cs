// Approach: Parallel.ForEachAsync straight over the (numbered) source; it pulls an item only when a worker is free.
namespace ConcurrencyKata;

public static class BoundedPipeline
{
    public static async Task<IReadOnlyList<TOut>> RunAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, CancellationToken, Task<TOut>> process, int capacity, int consumers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var results = new SortedDictionary<int, TOut>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = consumers, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Numbered(source), options, async (entry, ct) =>
        {
            var output = await process(entry.Item, ct).ConfigureAwait(false);
            lock (results)
            {
                results[entry.Index] = output;
            }
        }).ConfigureAwait(false);
        return results.Values.ToList();
    }

    private static async IAsyncEnumerable<(int Index, T Item)> Numbered<T>(IAsyncEnumerable<T> source,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var index = 0;
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return (index++, item);
        }
    }
}
