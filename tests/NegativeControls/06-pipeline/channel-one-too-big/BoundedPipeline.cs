// Mistake: sizes the channel `capacity + 1` "to leave room for the producer's item", so the buffer holds one more than asked.
// Caught by: The_source_is_read_no_further_ahead_than_the_buffer_and_the_stages_can_hold
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
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<(int, TIn)>(capacity + 1);
        var results = new SortedDictionary<int, TOut>();

        async Task Produce()
        {
            try
            {
                var index = 0;
                await foreach (var item in source.WithCancellation(stop.Token))
                {
                    await channel.Writer.WriteAsync((index++, item), stop.Token);
                }
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }

        async Task Consume()
        {
            try
            {
                await foreach (var (index, item) in channel.Reader.ReadAllAsync(stop.Token))
                {
                    var output = await process(item, stop.Token);
                    lock (results)
                    {
                        results[index] = output;
                    }
                }
            }
            catch
            {
                stop.Cancel();
                throw;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Consume()).Prepend(Produce()));
        return results.Values.ToList();
    }
}
