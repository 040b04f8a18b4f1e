// Approach: each worker has two threads of its own that read its pipes (standard output into a queue of lines, standard error into a buffer), and the pool runs workerCount lanes, each lane owning one worker and taking the next job from a shared counter until none is left. A lane whose worker fails starts a new one for its next job.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace ConcurrencyKata;

public sealed class ProcessPool : IAsyncDisposable
{
    private readonly int _workerCount;
    private readonly ConcurrentBag<Worker> _idle = [];
    private readonly ConcurrentDictionary<Worker, bool> _all = new();
    private volatile bool _disposed;

    public ProcessPool(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        _workerCount = workerCount;
    }

    public async Task<IReadOnlyList<JobResult>> MapAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var results = new JobResult[jobs.Count];
        var errors = new Exception?[jobs.Count];
        var next = -1;

        async Task Lane()
        {
            Worker? worker = null;
            int index;
            while (!cancellationToken.IsCancellationRequested && !_disposed && (index = Interlocked.Increment(ref next)) < jobs.Count)
            {
                worker ??= _idle.TryTake(out var idle) ? idle : Start();
                try
                {
                    results[index] = await worker.RunAsync(jobs[index], cancellationToken);
                    cancellationToken.ThrowIfCancellationRequested(); // cancelled as it answered: it may have been killed
                }
                catch (Exception e)
                {
                    errors[index] = e;
                    worker.Kill();
                    _all.TryRemove(worker, out _);
                    worker = null;
                }
            }
            if (worker is not null)
            {
                _idle.Add(worker);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(_workerCount, jobs.Count)).Select(_ => Task.Run(Lane)));
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var first = errors.FirstOrDefault(e => e is not null);
        return first is null ? results : throw first;
    }

    private Worker Start()
    {
        var worker = new Worker(Process.Start(WorkerProgram.StartInfo())!);
        _all[worker] = true;
        if (_disposed)
        {
            worker.Kill();
        }
        return worker;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var worker in _all.Keys)
        {
            worker.CloseInput();
        }
        foreach (var worker in _all.Keys)
        {
            if (!worker.WaitForExit(TimeSpan.FromMilliseconds(500)))
            {
                worker.Kill();
                worker.WaitForExit(TimeSpan.FromSeconds(2));
            }
        }
        _all.Clear();
        return ValueTask.CompletedTask;
    }

    private sealed class Worker
    {
        private readonly Process _process;
        private readonly BlockingCollection<string?> _lines = new();
        private readonly StringBuilder _stderr = new();
        private TaskCompletionSource<string?>? _waiting;
        private readonly Lock _gate = new();

        public Worker(Process process)
        {
            _process = process;
            new Thread(ReadOutput) { IsBackground = true, Name = $"worker {process.Id} stdout" }.Start();
            new Thread(ReadErrors) { IsBackground = true, Name = $"worker {process.Id} stderr" }.Start();
        }

        private void ReadOutput()
        {
            while (true)
            {
                string? line;
                try
                {
                    line = _process.StandardOutput.ReadLine();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    line = null;
                }
                TaskCompletionSource<string?>? waiting;
                lock (_gate)
                {
                    waiting = _waiting;
                    _waiting = null;
                    if (waiting is null)
                    {
                        _lines.Add(line);
                    }
                }
                waiting?.TrySetResult(line);
                if (line is null)
                {
                    return;
                }
            }
        }

        private void ReadErrors()
        {
            try
            {
                string? line;
                while ((line = _process.StandardError.ReadLine()) is not null)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(line);
                        if (_stderr.Length > 16_000)
                        {
                            _stderr.Remove(0, _stderr.Length - 16_000);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }

        private Task<string?> NextLine()
        {
            lock (_gate)
            {
                if (_lines.TryTake(out var line))
                {
                    return Task.FromResult(line);
                }
                _waiting = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _waiting.Task;
            }
        }

        public async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken)
        {
            using var kill = cancellationToken.Register(Kill);
            try
            {
                _process.StandardInput.WriteLine(WorkerProtocol.Write(job));
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
            }
            var line = await NextLine();
            cancellationToken.ThrowIfCancellationRequested();
            if (line is null)
            {
                var code = _process.WaitForExit(2000) ? _process.ExitCode : (int?)null;
                string stderr;
                lock (_stderr)
                {
                    stderr = _stderr.ToString();
                }
                throw new WorkerFailedException($"Worker process {_process.Id} exited during job {job.Id}.", code, stderr, job.Id);
            }
            try
            {
                return WorkerProtocol.ReadResult(line);
            }
            catch (FormatException e)
            {
                throw new WorkerFailedException($"Worker process {_process.Id} gave an unreadable answer to job {job.Id}: {line}", null, "", job.Id, e);
            }
        }

        public void CloseInput()
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }

        public bool WaitForExit(TimeSpan timeout)
        {
            try
            {
                return _process.WaitForExit(timeout);
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }

        public void Kill()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
