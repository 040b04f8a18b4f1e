// Mistake: digests in worker processes, cpuWorkers of them, each fed documents from a channel; the workers are kept in a static list "for next time" and never told to stop (their input left open), so they outlive the call.
// Caught by: No_worker_process_is_left_running_when_IndexAsync_returns
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace ConcurrencyKata;

public static class DocumentIndexer
{
    private static readonly List<Process> Kept = [];

    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);
        if (keys.Count == 0)
        {
            return new Dictionary<string, long>();
        }

        var arrived = Channel.CreateUnbounded<(string Key, string Document)>();
        var index = new ConcurrentDictionary<string, long>();
        var fetching = FetchAllAsync();
        var digesters = Enumerable.Range(0, Math.Min(cpuWorkers, keys.Count)).Select(_ => Task.Run(DigestAsync, CancellationToken.None)).ToList();
        await Task.WhenAll([fetching, .. digesters]).ConfigureAwait(false);
        return index;

        async Task FetchAllAsync()
        {
            try
            {
                await Task.WhenAll(keys.Select(async key =>
                {
                    var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
                    await arrived.Writer.WriteAsync((key, document), cancellationToken).ConfigureAwait(false);
                })).ConfigureAwait(false);
                arrived.Writer.TryComplete();
            }
            catch (Exception e)
            {
                arrived.Writer.TryComplete(e);
                throw;
            }
        }

        async Task DigestAsync()
        {
            var worker = Process.Start(WorkerProgram.StartInfo()) ?? throw new WorkerFailedException("The worker process did not start.");
            var errors = worker.StandardError.ReadToEndAsync(CancellationToken.None); // always drained: no pipe deadlock
            try
            {
                var id = 0;
                await foreach (var (key, document) in arrived.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    await worker.StandardInput.WriteLineAsync(WorkerProtocol.Write(new Job(++id, JobKind.Checksum, 0, document))).ConfigureAwait(false);
                    await worker.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
                    string? answer;
                    using (cancellationToken.Register(() => worker.Kill(entireProcessTree: true)))
                    {
                        answer = await worker.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    if (answer is null)
                    {
                        throw new WorkerFailedException($"worker (PID {worker.Id}) ended during the checksum of {key}");
                    }
                    index[key] = WorkerProtocol.ReadResult(answer).Value;
                }
            }
            finally
            {
                lock (Kept)
                {
                    Kept.Add(worker); // "for next time": but nothing ever uses them again, nor ends them
                }
            }
        }
    }
}
