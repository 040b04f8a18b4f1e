namespace ConcurrencyKata;

/// <summary>Exercise 06: a producer/consumer pipeline with backpressure. Read README.md in this folder first.</summary>
public static class BoundedPipeline
{
    /// <summary>
    /// Reads <paramref name="source"/> into a buffer of <paramref name="capacity"/> items and runs
    /// <paramref name="process"/> on them with <paramref name="consumers"/> calls at once. Returns
    /// the outputs in source order.
    /// </summary>
    public static Task<IReadOnlyList<TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> source,
        Func<TIn, CancellationToken, Task<TOut>> process,
        int capacity,
        int consumers,
        CancellationToken cancellationToken = default)
    {
        throw new NotImplementedException(
            "Exercise 06 is waiting for you: see exercises/06-pipeline/README.md");
    }
}
