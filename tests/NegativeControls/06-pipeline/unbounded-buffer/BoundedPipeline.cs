// Mistake: reads the whole source into memory first, then processes it: no backpressure at all.
// Caught by: A_failing_call_fails_the_run_stops_the_source_and_cancels_the_calls_in_flight
namespace ConcurrencyKata;

public static class BoundedPipeline
{
    public static async Task<IReadOnlyList<TOut>> RunAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, CancellationToken, Task<TOut>> process, int capacity, int consumers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var items = new List<TIn>();
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            items.Add(item);
        }
        var outputs = new TOut[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = consumers, CancellationToken = cancellationToken },
            async (i, ct) => outputs[i] = await process(items[i], ct));
        return outputs;
    }
}
