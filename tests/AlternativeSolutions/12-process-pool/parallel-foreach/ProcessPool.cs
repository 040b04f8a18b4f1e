// Approach: Parallel.ForEachAsync with MaxDegreeOfParallelism = workerCount does the dispatch (a job starts whenever one ends); each job takes an idle worker from a ConcurrentQueue, or starts one, and puts it back when it has answered. Failures are caught per job so that one crash does not stop the loop; the token stops the loop, and kills the busy workers.
using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class ProcessPool : IAsyncDisposable
{
    private readonly int _workerCount;
    private readonly ConcurrentQueue<Process> _idle = new();
    private readonly ConcurrentDictionary<int, Process> _alive = new();
    private readonly ConcurrentDictionary<int, Task<string>> _stderr = new();
    private readonly CancellationTokenSource _closing = new();
    private int _disposed;

    public ProcessPool(int workerCount)
    {
        if (workerCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(workerCount), workerCount, "A pool needs at least one worker.");
        }
        _workerCount = workerCount;
    }

    public async Task<IReadOnlyList<JobResult>> MapAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        if (jobs is null)
        {
            throw new ArgumentNullException(nameof(jobs));
        }
        if (_disposed == 1)
        {
            throw new ObjectDisposedException(nameof(ProcessPool));
        }
        var results = new JobResult[jobs.Count];
        var failures = new ConcurrentDictionary<int, Exception>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var options = new ParallelOptions { MaxDegreeOfParallelism = _workerCount, CancellationToken = stop.Token };
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, jobs.Count), options, async (index, token) =>
            {
                var worker = _idle.TryDequeue(out var idle) ? idle : Start();
                try
                {
                    results[index] = await RunAsync(worker, jobs[index], token);
                    token.ThrowIfCancellationRequested(); // cancelled as it answered: it may have been killed
                    _idle.Enqueue(worker);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures[index] = e;
                    Forget(worker);
                }
                catch (OperationCanceledException)
                {
                    Forget(worker);
                    throw;
                }
            });
        }
        catch (OperationCanceledException) when (_disposed == 1 && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(ProcessPool));
        }
        if (_disposed == 1)
        {
            throw new ObjectDisposedException(nameof(ProcessPool));
        }
        if (!failures.IsEmpty)
        {
            throw failures[failures.Keys.Min()];
        }
        return results;
    }

    private Process Start()
    {
        var process = Process.Start(WorkerProgram.StartInfo())!;
        _alive[process.Id] = process;
        _stderr[process.Id] = process.StandardError.ReadToEndAsync();
        return process;
    }

    private void Forget(Process worker)
    {
        _alive.TryRemove(worker.Id, out _);
        _stderr.TryRemove(worker.Id, out _);
        try
        {
            worker.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private async Task<JobResult> RunAsync(Process worker, Job job, CancellationToken token)
    {
        await using var kill = token.Register(() =>
        {
            try
            {
                worker.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        });
        await worker.StandardInput.WriteLineAsync(WorkerProtocol.Write(job).AsMemory(), token);
        await worker.StandardInput.FlushAsync(token);
        var line = await worker.StandardOutput.ReadLineAsync(token);
        token.ThrowIfCancellationRequested();
        if (line is null)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await worker.WaitForExitAsync(wait.Token);
            var stderr = _stderr.TryGetValue(worker.Id, out var read) ? await read : "";
            throw new WorkerFailedException($"Worker {worker.Id} died on job {job.Id} (exit code {worker.ExitCode}).", worker.ExitCode, stderr, job.Id);
        }
        try
        {
            return WorkerProtocol.ReadResult(line);
        }
        catch (FormatException e)
        {
            throw new WorkerFailedException($"Worker {worker.Id} answered job {job.Id} with nonsense.", null, "", job.Id, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _closing.Cancel();
        foreach (var worker in _alive.Values)
        {
            try
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
            }
        }
        _alive.Clear();
    }
}
