// Mistake: a correct bounded, ordered pipeline that, after a failure, waits for the calls in flight instead of cancelling them.
// Caught by: A_failing_call_fails_the_run_stops_the_source_and_cancels_the_calls_in_flight
using System.Threading.Channels;

namespace ConcurrencyKata;

public static class BoundedPipeline
{
    public static async Task<IReadOnlyList<TOut>> RunAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, CancellationToken, Task<TOut>> process, int capacity, int consumers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var channel = Channel.CreateBounded<(int, TIn)>(capacity);
        var results = new SortedDictionary<int, TOut>();

        async Task Produce()
        {
            try
            {
                await using var items = source.GetAsyncEnumerator(cancellationToken);
                var index = 0;
                while (await channel.Writer.WaitToWriteAsync(cancellationToken) && await items.MoveNextAsync())
                {
                    await channel.Writer.WriteAsync((index++, items.Current), cancellationToken);
                }
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }

        async Task Consume()
        {
            await foreach (var (index, item) in channel.Reader.ReadAllAsync(cancellationToken))
            {
                var output = await process(item, cancellationToken);
                lock (results)
                {
                    results[index] = output;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Consume()).Prepend(Produce()));
        return results.Values.ToList();
    }
}
