using System.Collections.Concurrent;
using Orleans.Runtime;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// The judge's payments service (exercise 16): one for the whole process, given to the grains of
/// every silo of <see cref="SurvivalCluster"/>, so it outlives any silo killed, as a real database
/// would. A check stages a run of jobs (<see cref="Stage"/>) and decides, per job, whether a charge
/// waits at a gate before it is made, or after it is made and before it answers (a silo killed
/// then has charged the job but never told anyone), and whether the payment is refused. It counts,
/// per job, every attempt (with its silo and key) and every charge really made: a second charge with
/// a key already charged makes none. A charge waits at a gate at most 20 s.
/// </summary>
public sealed class Payments(ILocalSiloDetails silo, IGrainContextAccessor grains) : StagedService<StagedRun>(silo, grains), IPayments
{
    /// <summary><paramref name="jobs"/> jobs of their own for one check (customers named after the run), drawn on <paramref name="scenario"/>'s timeline.</summary>
    public static StagedRun Stage(Scenario scenario, int jobs)
    {
        var run = new StagedRun(scenario, $"r{Guid.NewGuid():N}"[..9], jobs);
        return Add(run.Name, run);
    }

    public Task ChargeAsync(string idempotencyKey, ChargeJob job)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        ArgumentNullException.ThrowIfNull(job);
        return Find(job.Customer.Split('/')[0]) is { } run ? run.ChargeAsync(idempotencyKey, job, SiloName, Place) : Task.CompletedTask;
    }
}

/// <summary>One check's jobs and what became of each.</summary>
public sealed class StagedRun : IDisposable
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);

    private readonly Scenario _scenario;
    private readonly JobState[] _jobs;
    private readonly ConcurrentDictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _over = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _retriesReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _holdRetries;
    private int _retriesWaiting;
    private readonly ConcurrentDictionary<string, bool> _dead = new(StringComparer.Ordinal);

    private static int _runs;

    /// <summary>The id of the run's first job: each run's jobs have ids of their own (1000, 1001, ... then 2000, ...), so a check's workers are new grains.</summary>
    private readonly int _firstId;

    internal StagedRun(Scenario scenario, string name, int jobs)
    {
        _scenario = scenario;
        Name = name;
        _firstId = 1000 * Interlocked.Increment(ref _runs);
        _jobs = [.. Enumerable.Range(0, jobs).Select(_ => new JobState())];
        var order = Enumerable.Range(0, jobs).ToArray();
        new Random(_firstId).Shuffle(order); // the jobs' order is not their ids': a report sorted by id is not in the jobs' order
        // jobs 12 apart have the same customer and amount: only the job's id tells them apart
        Jobs = [.. order.Select(i => new ChargeJob(_firstId + i, $"{name}/c{i % 3}", 10 + i % 4))];
    }

    /// <summary>The ids of all the run's jobs, in the jobs' order (which is not the ids' order).</summary>
    public IEnumerable<int> Ids => Jobs.Select(j => j.Id);

    private JobState this[int id] => id >= _firstId && id < _firstId + _jobs.Length
        ? _jobs[id - _firstId]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"the run has jobs {_firstId} to {_firstId + _jobs.Length - 1}");

    public string Name { get; }

    public IReadOnlyList<ChargeJob> Jobs { get; }

    /// <summary>Charges of the jobs in <paramref name="ids"/> wait before they are made, until <see cref="Release"/>.</summary>
    public void HoldBefore(IEnumerable<int> ids) => Mark(ids, j => j.HoldBefore = true);

    /// <summary>Charges of the jobs in <paramref name="ids"/> are made, then wait before they answer, until <see cref="Release"/>.</summary>
    public void HoldAfter(IEnumerable<int> ids) => Mark(ids, j => j.HoldAfter = true);

    /// <summary>From now on a job's second and later tries wait at a gate of their own before they are made, until <see cref="ReleaseRetries"/>.</summary>
    public void HoldRetries() => _holdRetries = true;

    /// <summary>Lets every try waiting at the retries' gate go on, now and later.</summary>
    public void ReleaseRetries() => _retriesReleased.TrySetResult();

    /// <summary>How many second or later tries wait at the retries' gate now.</summary>
    public int RetriesWaiting => Volatile.Read(ref _retriesWaiting);

    /// <summary>Waits (at most <paramref name="patience"/>) until <paramref name="count"/> tries wait at the retries' gate; how many do.</summary>
    public int WaitForRetries(int count, TimeSpan patience)
    {
        SpinWait.SpinUntil(() => RetriesWaiting >= count, patience);
        return RetriesWaiting;
    }

    /// <summary>The payments of the jobs in <paramref name="ids"/> are refused.</summary>
    public void Refuse(IEnumerable<int> ids) => Mark(ids, j => j.Refused = true);

    /// <summary>
    /// Every charge of the jobs in <paramref name="ids"/> fails as a call fails when its worker's silo
    /// went away (<see cref="SiloUnavailableException"/>), however often it is tried: a job that keeps
    /// losing its silo.
    /// </summary>
    public void AlwaysLost(IEnumerable<int> ids) => Mark(ids, j => j.AlwaysLost = true);

    /// <summary>The message an always-lost job's charge fails with.</summary>
    public string LossOf(int id) => $"the silo of job {id}'s worker went away (the judge's: every try at this job is lost)";

    /// <summary>The message a refused job's payment fails with.</summary>
    public string RefusalOf(int id) => $"payment of job {id} refused";

    /// <summary>Lets every charge waiting at a gate go on, now and later.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>
    /// Lets the charges of <paramref name="ids"/> waiting at a gate go one at a time, in that order,
    /// each once the one before has ended (at most 2 s each) and <paramref name="pause"/> has passed
    /// since, so that the jobs answer in that order. The others wait on (<see cref="Release"/>).
    /// </summary>
    /// <param name="pause">Room for an answer to reach the runner before the next: a job's end here is
    /// the charge's, and its answer still has a hop to make (an exception's, the first time, the slowest).</param>
    public void ReleaseInTurn(IEnumerable<int> ids, TimeSpan pause = default)
    {
        foreach (var state in ids.Select(id => this[id]).Where(s => Volatile.Read(ref s.WaitingCount) > 0))
        {
            var ended = Volatile.Read(ref state.EndedCount);
            state.Gate.TrySetResult();
            SpinWait.SpinUntil(() => Volatile.Read(ref state.EndedCount) > ended, TimeSpan.FromSeconds(2));
            if (pause > TimeSpan.Zero)
            {
                Thread.Sleep(pause);
            }
        }
    }

    /// <summary>
    /// From now on <paramref name="silo"/> is dead for this run: its charges waiting at a gate, and any
    /// it starts, never go on (a silo killed in this process still has its tasks, which a machine that
    /// died would not), until the run is disposed, when they end without charging.
    /// </summary>
    public void Died(string silo) => _dead[silo] = true;

    /// <summary>How many charges wait at a gate now.</summary>
    public int Waiting => _jobs.Sum(j => Volatile.Read(ref j.WaitingCount));

    /// <summary>How many charges of job <paramref name="id"/> were really made (a key already charged makes none).</summary>
    public int ChargesOf(int id) => Volatile.Read(ref this[id].ChargeCount);

    /// <summary>How many times job <paramref name="id"/> was tried (each call of the service).</summary>
    public int AttemptsOf(int id) => KeysOf(id).Count;

    /// <summary>The silo of each attempt of job <paramref name="id"/>, in order.</summary>
    public IReadOnlyList<string> SilosOf(int id)
    {
        var state = this[id];
        lock (state)
        {
            return [.. state.Attempts.Select(a => a.Silo)];
        }
    }

    /// <summary>The keys job <paramref name="id"/> was charged with, in order.</summary>
    public IReadOnlyList<string> KeysOf(int id)
    {
        var state = this[id];
        lock (state)
        {
            return [.. state.Attempts.Select(a => a.Key)];
        }
    }

    /// <summary>The ids of the jobs waiting at a gate on <paramref name="silo"/> now.</summary>
    public IReadOnlyList<int> WaitingOn(string silo) => [.. Enumerable.Range(0, _jobs.Length).Where(i => _jobs[i].WaitingOn == silo).Select(i => _firstId + i)];

    /// <summary>
    /// Waits (at most <paramref name="patience"/>) until <paramref name="count"/> charges wait at a gate,
    /// or <paramref name="run"/> has failed; true when they do. A run that answered meanwhile is waited
    /// past: its jobs may still be on their way.
    /// </summary>
    public bool WaitForWaiting(int count, TimeSpan patience, Task? run = null)
    {
        SpinWait.SpinUntil(() => Waiting >= count || run is { IsFaulted: true } or { IsCanceled: true }, patience);
        return Waiting >= count;
    }

    internal async Task ChargeAsync(string key, ChargeJob job, string silo, string place)
    {
        var state = this[job.Id];
        int attempt;
        lock (state)
        {
            state.Attempts.Add((silo, key));
            attempt = state.Attempts.Count;
        }
        using var span = _scenario.Spans.Begin($"charge job {job.Id}", place: place);
        try
        {
            await UnlessDeadAsync(silo).ConfigureAwait(false);
            if (attempt > 1 && _holdRetries)
            {
                Interlocked.Increment(ref _retriesWaiting);
                try
                {
                    await _retriesReleased.Task.WaitAsync(LongestWait).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // never released: go on rather than hang the run
                }
                finally
                {
                    Interlocked.Decrement(ref _retriesWaiting);
                }
                await UnlessDeadAsync(silo).ConfigureAwait(false);
            }
            if (state.HoldBefore)
            {
                await WaitAsync(state, silo).ConfigureAwait(false);
            }
            if (state.Refused)
            {
                throw new InvalidOperationException(RefusalOf(job.Id));
            }
            if (state.AlwaysLost)
            {
                throw new SiloUnavailableException(LossOf(job.Id));
            }
            if (_keys.TryAdd(key, job.Id))
            {
                Interlocked.Increment(ref state.ChargeCount);
            }
            if (state.HoldAfter)
            {
                await WaitAsync(state, silo).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Increment(ref state.EndedCount);
        }
    }

    private async Task WaitAsync(JobState state, string silo)
    {
        Interlocked.Increment(ref state.WaitingCount);
        state.WaitingOn = silo;
        try
        {
            await Task.WhenAny(_released.Task, state.Gate.Task).WaitAsync(LongestWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // never released: go on rather than hang the run
        }
        finally
        {
            state.WaitingOn = null;
            Interlocked.Decrement(ref state.WaitingCount);
        }
        await UnlessDeadAsync(silo).ConfigureAwait(false);
    }

    /// <summary>On a dead silo, waits until the run is over and then ends the charge without making it.</summary>
    private async Task UnlessDeadAsync(string silo)
    {
        if (_dead.ContainsKey(silo))
        {
            await _over.Task.WaitAsync(LongestWait).ConfigureAwait(false);
            throw new OperationCanceledException($"{silo} is dead: its work goes no further");
        }
    }

    private void Mark(IEnumerable<int> ids, Action<JobState> mark)
    {
        foreach (var id in ids)
        {
            mark(this[id]);
        }
    }

    /// <summary>Lets every charge waiting go, and stops taking this run's charges.</summary>
    public void Dispose()
    {
        Payments.Remove(Name, this);
        Release();
        ReleaseRetries();
        _over.TrySetResult();
    }

    private sealed class JobState
    {
        public readonly List<(string Silo, string Key)> Attempts = [];
        public volatile bool HoldBefore;
        public volatile bool HoldAfter;
        public volatile bool Refused;
        public volatile bool AlwaysLost;
        public volatile string? WaitingOn;
        public int WaitingCount;
        public int ChargeCount;
        public int EndedCount;

        /// <summary>This job's own gate (<see cref="ReleaseInTurn"/>); every job's opens with the run's.</summary>
        public readonly TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
