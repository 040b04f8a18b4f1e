// Approach: every worker is started with the pool, and the idle ones wait in a Channel; each job reads a worker from it (in effect: waits for a free one) and writes it back when the answer is in. A worker that fails is killed and a new one written in its place.
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace ConcurrencyKata;

public sealed class ProcessPool : IAsyncDisposable
{
    private readonly Channel<Worker> _idle = Channel.CreateUnbounded<Worker>();
    private readonly List<Worker> _all = [];
    private readonly CancellationTokenSource _closing = new();
    private bool _disposed;

    public ProcessPool(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        for (var i = 0; i < workerCount; i++)
        {
            _idle.Writer.TryWrite(NewWorker());
        }
    }

    private Worker NewWorker()
    {
        var worker = new Worker(Process.Start(WorkerProgram.StartInfo())!);
        lock (_all)
        {
            _all.Add(worker);
        }
        return worker;
    }

    public async Task<IReadOnlyList<JobResult>> MapAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var token = linked.Token;
        var results = new JobResult[jobs.Count];
        var errors = new Exception?[jobs.Count];
        var tasks = new List<Task>();
        for (var i = 0; i < jobs.Count; i++)
        {
            Worker worker;
            try
            {
                worker = await _idle.Reader.ReadAsync(token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    results[index] = await worker.Run(jobs[index], token);
                    token.ThrowIfCancellationRequested(); // cancelled as it answered: it may have been killed
                    _idle.Writer.TryWrite(worker);
                }
                catch (Exception e)
                {
                    errors[index] = e;
                    worker.Kill();
                    lock (_all)
                    {
                        _all.Remove(worker);
                    }
                    if (!_closing.IsCancellationRequested)
                    {
                        _idle.Writer.TryWrite(NewWorker()); // a replacement
                    }
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(tasks);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var error in errors)
        {
            if (error is not null)
            {
                throw error;
            }
        }
        return results;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _closing.Cancel();
        List<Worker> all;
        lock (_all)
        {
            all = [.. _all];
            _all.Clear();
        }
        foreach (var worker in all)
        {
            worker.Kill();
            await worker.Exited();
        }
    }

    private sealed class Worker
    {
        private readonly Process _process;
        private readonly StringBuilder _errors = new();

        public Worker(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_errors)
                    {
                        if (_errors.Length < 8192)
                        {
                            _errors.AppendLine(e.Data);
                        }
                    }
                }
            };
            _process.BeginErrorReadLine();
        }

        public async Task<JobResult> Run(Job job, CancellationToken token)
        {
            using (token.Register(Kill))
            {
                await _process.StandardInput.WriteLineAsync(WorkerProtocol.Write(job));
                await _process.StandardInput.FlushAsync();
                var line = await _process.StandardOutput.ReadLineAsync();
                token.ThrowIfCancellationRequested();
                if (line is null)
                {
                    await _process.WaitForExitAsync(token);
                    string errors;
                    lock (_errors)
                    {
                        errors = _errors.ToString();
                    }
                    throw new WorkerFailedException($"worker {_process.Id} died during job {job.Id}", _process.ExitCode, errors, job.Id);
                }
                try
                {
                    return WorkerProtocol.ReadResult(line);
                }
                catch (FormatException e)
                {
                    throw new WorkerFailedException($"worker {_process.Id} sent garbage for job {job.Id}", null, "", job.Id, e);
                }
            }
        }

        public void Kill()
        {
            try
            {
                _process.Kill(true);
            }
            catch (InvalidOperationException)
            {
            }
        }

        public Task Exited() => _process.WaitForExitAsync();
    }
}
