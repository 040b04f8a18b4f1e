// Mistake: bounded and ordered, but processes one item at a time whatever `consumers` says.
// Caught by: Exactly_consumers_calls_run_at_once_never_more
namespace ConcurrencyKata;

public static class BoundedPipeline
{
    public static async Task<IReadOnlyList<TOut>> RunAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, CancellationToken, Task<TOut>> process, int capacity, int consumers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var outputs = new List<TOut>();
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            outputs.Add(await process(item, cancellationToken));
        }
        return outputs;
    }
}
