// Mistake: a correct bounded pipeline that collects outputs in the order the calls finish.
// Caught by: Outputs_come_back_in_source_order
using System.Collections.Concurrent;
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
        var channel = Channel.CreateBounded<TIn>(capacity);
        var outputs = new ConcurrentQueue<TOut>();

        async Task Produce()
        {
            try
            {
                await using var items = source.GetAsyncEnumerator(stop.Token);
                while (await channel.Writer.WaitToWriteAsync(stop.Token) && await items.MoveNextAsync())
                {
                    await channel.Writer.WriteAsync(items.Current, stop.Token);
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
                await foreach (var item in channel.Reader.ReadAllAsync(stop.Token))
                {
                    outputs.Enqueue(await process(item, stop.Token));
                }
            }
            catch
            {
                stop.Cancel();
                throw;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Consume()).Prepend(Produce()));
        return outputs.ToList();
    }
}
