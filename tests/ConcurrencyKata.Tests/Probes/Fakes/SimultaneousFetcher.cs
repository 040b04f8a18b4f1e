namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// A fetcher built to expose shared state that continuations touch without synchronisation.
/// Unfinished calls pile up in a wave; when the wave is full (or nothing new has arrived for a
/// moment) the whole wave is answered <em>at the same instant</em> from several threads started
/// together (<see cref="SimultaneousStart"/>). Answers complete their tasks synchronously, so the code under
/// test resumes on those threads, all at once, on every core. Between waits, calls answer from
/// a cache (a task that is already complete, <c>cachedBetweenWaits</c> of them for each call
/// that waits), so a resumed continuation runs on through several steps without a pause, on
/// every released thread at the same time: the longer those runs overlap, the surer a race shows.
/// A fetcher that answers one call at a time can never show a data race; this one shows it on
/// nearly every wave.
/// </summary>
/// <remarks>
/// Cheap on purpose: no spans, no lock on the call path, so it does not serialise the very
/// races it is looking for. Each call counts against its key; <see cref="KeysNotFetchedExactlyOnce"/>
/// reports duplicates and omissions. Where and when each key was fetched and its answer handed to
/// the code are noted in plain arrays (a thread id and a timestamp each), so that a failure can
/// say which threads were at work on which keys at that moment (<see cref="FetchesOf"/>, <see cref="AnswerOf"/>).
/// </remarks>
public sealed class SimultaneousFetcher : IFetcher, IDisposable
{
    private readonly Scenario _scenario;
    private readonly CancellationToken _abort;
    private readonly Dictionary<string, int> _indexOf;
    private readonly TouchLog _fetches;
    private readonly int _waveSize;
    private readonly int _releaseThreads;
    private readonly int _cachedBetweenWaits;
    private readonly Func<string, Exception?> _failureFor;
    private readonly object _gate = new();
    private readonly Thread _releaser;
    private readonly AutoResetEvent _arrived = new(false);
    private List<(TaskCompletionSource<string> Answer, string Key)> _wave = [];
    private int _calls;
    private volatile bool _stopped;
    private readonly (int Thread, long At)[] _answered;

    /// <param name="scenario">The test's probes; its kill switch stops the releaser.</param>
    /// <param name="keys">Every key the code under test is expected to fetch, each once.</param>
    /// <param name="waveSize">How many unfinished calls make a wave (the concurrency the code should reach).</param>
    /// <param name="releaseThreads">How many threads answer each wave together.</param>
    /// <param name="cachedBetweenWaits">How many calls answer at once (already complete) for every call that waits for a wave.</param>
    /// <param name="failureFor">If given and it returns an exception for a key, that call fails with it instead of answering.</param>
    public SimultaneousFetcher(Scenario scenario, IReadOnlyList<string> keys, int waveSize, int releaseThreads = 4, int cachedBetweenWaits = DefaultCachedBetweenWaits,
                               Func<string, Exception?>? failureFor = null)
    {
        _failureFor = failureFor ?? (_ => null);
        ArgumentOutOfRangeException.ThrowIfLessThan(waveSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(releaseThreads, 1);
        _scenario = scenario;
        _abort = scenario.Abort;
        Keys = keys;
        _indexOf = keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i);
        _fetches = new TouchLog(keys.Count);
        _answered = new (int, long)[keys.Count];
        _waveSize = waveSize;
        _releaseThreads = releaseThreads;
        ArgumentOutOfRangeException.ThrowIfNegative(cachedBetweenWaits);
        _cachedBetweenWaits = cachedBetweenWaits;
        _releaser = new Thread(ReleaseWaves) { IsBackground = true, Name = "kata wave releaser" };
        _releaser.Start();
        scenario.Abort.Register(Dispose);
    }

    /// <summary>Calls answered from the cache for each call that waits: long synchronous runs on every released thread at once.</summary>
    public const int DefaultCachedBetweenWaits = 63;

    /// <summary>How many calls the timeline shows.</summary>
    public const int DrawnCalls = 16;

    public IReadOnlyList<string> Keys { get; }

    /// <summary>Calls made so far.</summary>
    public int CallCount => Volatile.Read(ref _calls);

    public Task<string> FetchAsync(string key, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        if (_stopped)
        {
            return Task.FromCanceled<string>(new CancellationToken(canceled: true));
        }
        var known = _indexOf.TryGetValue(key, out var index);
        if (known)
        {
            _fetches.Touch(index);
        }
        if (call % (_cachedBetweenWaits + 1) != 0)
        {
            // a cached answer: already complete, so the code goes on with it on this very thread
            if (known)
            {
                _answered[index] = TouchLog.Now();
            }
            return _failureFor(key) is { } failure ? Task.FromException<string>(failure) : Task.FromResult(FakeFetcher.ValueOf(key));
        }
        // no RunContinuationsAsynchronously: whoever answers runs the caller's continuation
        var answer = new TaskCompletionSource<string>();
        if (call <= DrawnCalls && _scenario.Spans.Snapshot().Count < DrawnCalls)
        {
            // the first few calls go on the timeline (all of them would only hide the picture)
            var span = _scenario.Spans.Begin($"fetch {key}");
            answer.Task.ContinueWith(_ => span.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
        }
        lock (_gate)
        {
            _wave.Add((answer, key));
        }
        _arrived.Set();
        return answer.Task;
    }

    /// <summary>"k12 fetched 2 times", "k40 never fetched", ...: empty when every key was fetched exactly once.</summary>
    public IReadOnlyList<string> KeysNotFetchedExactlyOnce()
        => Keys.Select((k, i) => (k, n: _fetches.Touches(i)))
            .Where(p => p.n != 1)
            .Select(p => p.n == 0 ? $"{p.k} never fetched" : $"{p.k} fetched {p.n} times")
            .ToList();

    private string Moment((int Thread, long At) when) => _fetches.Moment(when);

    /// <summary>"on T5 at 3.21 ms and on T7 at 3.22 ms": where and when a key fetched more than once was fetched (its first two calls).</summary>
    public string FetchesOf(string key)
        => _indexOf.TryGetValue(key, out var i) ? _fetches.FirstTwo(i) : "";

    /// <summary>
    /// Where and when the answer for the key at <paramref name="index"/> was handed to the code (its
    /// continuation ran there, then), and the answer handed over on another thread closest to that
    /// moment: the two continuations most likely to have written the same place at once.
    /// </summary>
    public string AnswerOf(int index)
    {
        var mine = _answered[index];
        if (mine.At == 0)
        {
            return $"{Keys[index]} was never answered";
        }
        var nearest = Enumerable.Range(0, Keys.Count)
            .Where(i => _answered[i].At != 0 && _answered[i].Thread != mine.Thread)
            .OrderBy(i => Math.Abs(_answered[i].At - mine.At))
            .Select(i => (int?)i)
            .FirstOrDefault();
        return $"{Keys[index]}'s answer reached the code {Moment(mine)}" +
               (nearest is { } other ? $", while {Keys[other]}'s reached it {Moment(_answered[other])}" : "");
    }

    private void ReleaseWaves()
    {
        var settle = TimeSpan.FromMilliseconds(15);
        while (!_stopped)
        {
            var more = _arrived.WaitOne(settle);
            List<(TaskCompletionSource<string> Answer, string Key)> wave;
            lock (_gate)
            {
                // a full wave goes at once; a partial one after a moment with no new arrival
                if (_wave.Count == 0 || (more && _wave.Count < _waveSize))
                {
                    continue;
                }
                wave = _wave;
                _wave = [];
            }
            Release(wave);
        }
        lock (_gate)
        {
            foreach (var (answer, _) in _wave)
            {
                answer.TrySetCanceled();
            }
            _wave.Clear();
        }
    }

    private void Release(List<(TaskCompletionSource<string> Answer, string Key)> wave)
    {
        var threads = Math.Min(_releaseThreads, wave.Count);
        SimultaneousStart.Run(threads, t =>
        {
            foreach (var (answer, key) in wave.Where((_, i) => i % threads == t))
            {
                if (_abort.IsCancellationRequested)
                {
                    answer.TrySetCanceled();
                }
                else if (_failureFor(key) is { } failure)
                {
                    answer.TrySetException(failure);
                }
                else
                {
                    if (_indexOf.TryGetValue(key, out var index))
                    {
                        _answered[index] = TouchLog.Now(); // the code under test resumes on this thread, now
                    }
                    answer.TrySetResult(FakeFetcher.ValueOf(key));
                }
            }
        }, "kata simultaneous answer");
    }

    public void Dispose()
    {
        _stopped = true;
        _arrived.Set();
    }
}
