// Mistake: a correct bounded, ordered pipeline whose consumers are threads that block on each call's result (Task.Run around a synchronous loop): a thread held per consumer.
// Caught by: No_thread_is_held_while_the_calls_in_progress_wait
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

        var channel = Channel.CreateBounded<(int Index, TIn Item)>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            SingleReader = consumers == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var results = new SortedDictionary<int, TOut>();
        Exception? firstFailure = null;
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
                var index = 0;
                // Wait for room *before* taking the next item: an item pulled from the source
                // while the channel is full would sit in our hands (allowed, but one more in memory).
                while (await channel.Writer.WaitToWriteAsync(stop.Token).ConfigureAwait(false)
                       && await items.MoveNextAsync().ConfigureAwait(false))
                {
                    await channel.Writer.WriteAsync((index++, items.Current), stop.Token).ConfigureAwait(false);
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

        Task ConsumeAsync() => Task.Run(() =>
        {
            try
            {
                while (channel.Reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult())
                {
                    if (!channel.Reader.TryRead(out var entry))
                    {
                        continue;
                    }
                    var (index, item) = entry;
                    var output = process(item, stop.Token).GetAwaiter().GetResult();
                    lock (results)
                    {
                        results[index] = output;
                    }
                }
            }
            catch (Exception e)
            {
                FailAsync(e).GetAwaiter().GetResult();
            }
        });

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
