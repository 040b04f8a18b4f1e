// Mistake: the consumers number the items themselves as they take them, with a plain shared counter (`taken++`): a data race that misplaces outputs.
// Caught by: Calls_that_answer_at_the_same_instant_on_several_threads_lose_no_output
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace ConcurrencyKata;

public static class BoundedPipeline
{
    public static async Task<IReadOnlyList<TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> source,
        Func<TIn, CancellationToken, Task<TOut>> process,
        int capacity,
        int consumers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);

        var channel = Channel.CreateBounded<TIn>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            SingleReader = consumers == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var results = new SortedDictionary<int, TOut>();
        Exception? firstFailure = null;
        var taken = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task FailAsync(Exception e)
        {
            Interlocked.CompareExchange(ref firstFailure, e, null);
            await stop.CancelAsync().ConfigureAwait(false); // stops the producer and every call in flight
        }

        async Task ProduceAsync()
        {
            try
            {
                await using var items = source.GetAsyncEnumerator(stop.Token);
                // Wait for room *before* taking the next item: an item pulled from the source
                // while the channel is full would sit in our hands (allowed, but one more in memory).
                while (await channel.Writer.WaitToWriteAsync(stop.Token).ConfigureAwait(false)
                       && await items.MoveNextAsync().ConfigureAwait(false))
                {
                    await channel.Writer.WriteAsync(items.Current, stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                await FailAsync(e).ConfigureAwait(false);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }

        async Task ConsumeAsync()
        {
            try
            {
                await foreach (var item in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    var index = taken++;
                    var output = await process(item, stop.Token).ConfigureAwait(false);
                    lock (results)
                    {
                        results[index] = output;
                    }
                }
            }
            catch (Exception e)
            {
                await FailAsync(e).ConfigureAwait(false);
            }
        }

        var workers = new List<Task> { ProduceAsync() };
        for (var c = 0; c < consumers; c++)
        {
            workers.Add(ConsumeAsync());
        }
        await Task.WhenAll(workers).ConfigureAwait(false);

        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }
        return results.Values.ToList();
    }
}
