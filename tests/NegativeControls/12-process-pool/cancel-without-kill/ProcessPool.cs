// Mistake: a cancelled call stops waiting for the answers, but the busy workers are only forgotten, not killed: they go on with their jobs.
// Caught by: An_answer_that_is_not_a_result_gives_WorkerFailedException_naming_the_worker
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace ConcurrencyKata;

public sealed class ProcessPool : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots;                        // one count per worker not busy (started or not)
    private readonly ConcurrentStack<Worker> _idle = new();       // started workers waiting for a job
    private readonly ConcurrentDictionary<int, Worker> _alive = new();
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    public ProcessPool(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        _slots = new SemaphoreSlim(workerCount, workerCount);
    }

    public async Task<IReadOnlyList<JobResult>> MapAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (jobs.Count == 0)
        {
            return [];
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var results = new JobResult[jobs.Count];
        var failures = new Exception?[jobs.Count];
        var running = new List<Task>(jobs.Count);
        try
        {
            for (var i = 0; i < jobs.Count; i++)
            {
                await _slots.WaitAsync(stop.Token).ConfigureAwait(false); // a worker is free (or may be started)
                running.Add(RunOneAsync(jobs[i], i, results, failures, stop.Token));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // stop dispatching; the jobs in flight see the same token, and their workers are killed
        }
        await Task.WhenAll(running).ConfigureAwait(false); // RunOneAsync never throws: it records

        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        cancellationToken.ThrowIfCancellationRequested();
        // every job has been tried; the first failure in the order of the jobs is reported
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            throw failure;
        }
        return results;
    }

    private async Task RunOneAsync(Job job, int index, JobResult[] results, Exception?[] failures, CancellationToken stop)
    {
        Worker? worker = null;
        try
        {
            ArgumentNullException.ThrowIfNull(job, "jobs");
            worker = TakeIdleOrStart();
            results[index] = await worker.RunAsync(job, stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                Retire(worker); // the cancellation may have killed it just as it answered
            }
            else
            {
                _idle.Push(worker); // back on the stack before the slot is freed, so the next job finds it
            }
        }
        catch (Exception e)
        {
            failures[index] = e;
            if (worker is not null)
            {
                Retire(worker); // crashed, confused or cancelled mid-job: never reused; a new one takes its place
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private Worker TakeIdleOrStart()
    {
        if (_idle.TryPop(out var worker))
        {
            return worker;
        }
        worker = Worker.Start();
        _alive[worker.ProcessId] = worker;
        return worker;
    }

    private void Retire(Worker worker)
    {
        _alive.TryRemove(worker.ProcessId, out _); // forgotten: no longer ours to worry about
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _disposing.CancelAsync().ConfigureAwait(false); // jobs in flight: their workers are killed
        var workers = _alive.Values.ToList();
        foreach (var worker in workers)
        {
            worker.CloseInput(); // an idle worker exits when its input ends
        }
        await Task.WhenAll(workers.Select(w => w.WaitForExitOrKillAsync(TimeSpan.FromSeconds(1)))).ConfigureAwait(false);
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
        _alive.Clear();
        _idle.Clear();
    }

    /// <summary>One worker process: its pipes, and what it has written to standard error lately.</summary>
    private sealed class Worker : IDisposable
    {
        private const int StderrKept = 16 * 1024;
        private readonly Process _process;
        private readonly StringBuilder _stderr = new();
        private readonly Task _stderrDrained;
        private readonly Task _exited;

        private Worker(Process process)
        {
            _process = process;
            ProcessId = process.Id;
            // standard error is read all the time: a worker that fills that pipe stops until someone reads
            _stderrDrained = DrainStandardErrorAsync();
            _exited = process.WaitForExitAsync(); // one wait for the exit, whoever asks and however often
        }

        public int ProcessId { get; }

        public static Worker Start()
        {
            try
            {
                return new Worker(Process.Start(WorkerProgram.StartInfo()) ?? throw new WorkerFailedException("The worker process did not start."));
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new WorkerFailedException($"The worker process could not be started: {e.Message}", e);
            }
        }

        public async Task<JobResult> RunAsync(Job job, CancellationToken stop)
        {
            // cancelling kills the worker: its pending read then ends, and the job with it
            // the read below is cancelled instead of the worker
            try
            {
                await _process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job)).ConfigureAwait(false);
                await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the worker has gone: the read below sees the end of its output
            }
            var line = await _process.StandardOutput.ReadLineAsync(stop).ConfigureAwait(false);
            stop.ThrowIfCancellationRequested();
            if (line is null)
            {
                var exitCode = await WaitForExitOrKillAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                throw new WorkerFailedException(
                    $"The worker (PID {ProcessId}) running job {job.Id} ended without answering (exit code {exitCode?.ToString() ?? "unknown"}).",
                    exitCode, StandardError, job.Id);
            }
            JobResult result;
            try
            {
                result = WorkerProtocol.ReadResult(line);
            }
            catch (FormatException e)
            {
                throw new WorkerFailedException(
                    $"The worker (PID {ProcessId}) answered job {job.Id} with a line that is not a result: {e.Message}", null, StandardError, job.Id, e);
            }
            return result.JobId == job.Id
                ? result
                : throw new WorkerFailedException($"The worker (PID {ProcessId}) answered job {result.JobId} when asked for job {job.Id}.", null, StandardError, job.Id);
        }

        public void CloseInput()
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // it has gone already
            }
        }

        public void Kill()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or System.ComponentModel.Win32Exception)
            {
                // it has exited already (or was retired meanwhile)
            }
        }

        /// <summary>Waits up to <paramref name="grace"/> for the worker to exit, kills it if it has not, and returns its exit code (null if unknown).</summary>
        public async Task<int?> WaitForExitOrKillAsync(TimeSpan grace)
        {
#pragma warning disable VSTHRD003 // both tasks are this worker's own, started in its constructor: nothing here waits for a context they need
            if (await Task.WhenAny(_exited, Task.Delay(grace)).ConfigureAwait(false) != _exited)
            {
                Kill();
                if (await Task.WhenAny(_exited, Task.Delay(grace)).ConfigureAwait(false) != _exited)
                {
                    return null;
                }
            }
            await Task.WhenAny(_stderrDrained, Task.Delay(grace)).ConfigureAwait(false);
#pragma warning restore VSTHRD003
            try
            {
                return _process.ExitCode;
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                return null;
            }
        }

        private string StandardError
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        private async Task DrainStandardErrorAsync()
        {
            var buffer = new char[4096];
            int read;
            try
            {
                while ((read = await _process.StandardError.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    lock (_stderr)
                    {
                        _stderr.Append(buffer, 0, read);
                        if (_stderr.Length > StderrKept)
                        {
                            _stderr.Remove(0, _stderr.Length - StderrKept); // keep the end: it says why
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // the worker has gone
            }
        }

        public void Dispose() => _process.Dispose();
    }
}
