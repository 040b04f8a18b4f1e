using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Sees every <see cref="DocumentChecksum.Compute"/> while it is installed, wherever it ran: on a
/// thread of this process (the checksum's own observer) or in a worker process (the worker
/// appends a line to a trace file per <see cref="JobKind.Checksum"/> job). Each digest goes on the
/// scenario's timeline; with a <see cref="ParallelSpeedup.WorkMeter"/>, the CPU time of each digest
/// is added to it (a thread's own CPU clock here, the worker's report there).
/// </summary>
public sealed class DigestWatch : IDisposable
{
    /// <summary>One checksum: which document (its key), where it ran (a thread here, or a process), from when to when.</summary>
    public sealed record Digest(string Key, int ThreadId, int ProcessId, long StartTicks, long EndTicks, TimeSpan? Cpu)
    {
        public bool InWorkerProcess => ProcessId != Environment.ProcessId;

        public string Lane => InWorkerProcess ? $"process {ProcessId}" : $"thread T{ThreadId}";
    }

    private readonly Scenario _scenario;
    private readonly string _label;
    private readonly ParallelSpeedup.WorkMeter? _meter;
    private readonly ConcurrentQueue<Digest> _here = new();
    private readonly ConcurrentQueue<(string Key, long StartTicks)> _startedHere = new();
    private readonly string _traceFolder = Directory.CreateTempSubdirectory($"kata-digests-{Environment.ProcessId}-").FullName;
    private readonly List<Digest> _elsewhere = [];
    private readonly Dictionary<string, long> _traceRead = [];
    private int _drained;

    /// <param name="scenario">The test's probes: each digest is drawn on its timeline.</param>
    /// <param name="meter">When given, each digest's CPU time is added to it.</param>
    /// <param name="label">What a digest is called on the timeline ("checksum" where the exercise says so).</param>
    public DigestWatch(Scenario scenario, ParallelSpeedup.WorkMeter? meter = null, string label = "digest")
    {
        _scenario = scenario;
        _meter = meter;
        _label = label;
        DocumentChecksum.StartObserver = (document, start) => _startedHere.Enqueue((KeyOf(document), start));
        DocumentChecksum.Observer = (document, thread, start, end) =>
        {
            _here.Enqueue(new Digest(KeyOf(document), thread, Environment.ProcessId, start, end, null));
            scenario.Spans.Add(new Span($"{label} {KeyOf(document)}", start, end, thread, Environment.ProcessId, Busy: true));
        };
        if (meter is not null)
        {
            DocumentChecksum.Meter = unit => meter.Run(unit);
            DocumentChecksum.Spin = meter.Watch;
        }
        WorkerProgram.ChecksumTrace = _traceFolder;
    }

    /// <summary>Every digest seen so far, in the order they started.</summary>
    public IReadOnlyList<Digest> Digests
    {
        get
        {
            ReadTrace();
            lock (_elsewhere)
            {
                return [.. _here.Concat(_elsewhere).OrderBy(d => d.StartTicks)];
            }
        }
    }

    /// <summary>
    /// Watches for digests that start late: waits long enough for a document queued behind a digest
    /// in progress to start (300 ms, or one and a half times the longest digest seen so far when
    /// that is longer, at most 3 s), then returns the documents whose digest started more than
    /// <paramref name="grace"/> after <paramref name="ticks"/>, finished or not. A digest in this
    /// process is seen from its first instant, however long it takes; one in a worker process once
    /// the worker has reported it (a worker still running is the caller's to find).
    /// </summary>
    public IReadOnlyList<string> WatchForLateStarts(long ticks, TimeSpan grace)
    {
        var longest = Digests.Select(d => Stopwatch.GetElapsedTime(d.StartTicks, d.EndTicks)).DefaultIfEmpty(TimeSpan.Zero).Max();
        Thread.Sleep(TimeSpan.FromMilliseconds(Math.Clamp(longest.TotalMilliseconds * 1.5, 300, 3000)));
        bool Late(long start) => Stopwatch.GetElapsedTime(ticks, start) > grace;
        return [.. _startedHere.Where(s => Late(s.StartTicks)).Select(s => s.Key)
            .Concat(Digests.Where(d => d.InWorkerProcess && Late(d.StartTicks)).Select(d => d.Key))];
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until a digest of <paramref name="key"/> has finished.</summary>
    public bool WaitForDigestOf(string key, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!Digests.Any(d => d.Key == key))
        {
            if (Stopwatch.GetTimestamp() > until)
            {
                return false;
            }
            Thread.Sleep(5); // looking costs a folder listing: leave the cores to the digests
        }
        return true;
    }

    /// <summary>The most digests that were in progress at one instant.</summary>
    public static int MostAtOnce(IReadOnlyList<Digest> digests) => Overlap.Peak(digests.Select(d => (d.StartTicks, d.EndTicks)));

    /// <summary>The digests that were running at the moment the most were, for the failure message.</summary>
    public static string DescribeBusiest(IReadOnlyList<Digest> digests)
    {
        var peak = digests.Select(d => d.StartTicks)
            .Select(t => (At: t, Running: digests.Where(o => o.StartTicks <= t && t < o.EndTicks).ToList()))
            .OrderByDescending(p => p.Running.Count).FirstOrDefault();
        return peak.Running is null ? "none" : string.Join(", ", peak.Running.Select(d => $"{d.Key} on {d.Lane}"));
    }

    /// <summary>Adds the digests that worker processes reported and that were not yet counted to the meter (their CPU time and interval).</summary>
    public void CountWorkerCpu()
    {
        var digests = Digests.Where(d => d.InWorkerProcess).ToList();
        foreach (var digest in digests.Skip(_drained))
        {
            _meter?.Add(digest.Cpu ?? TimeSpan.Zero, digest.StartTicks, digest.EndTicks);
        }
        _drained = digests.Count;
    }

    /// <summary>Reads what the workers have appended since the last look: one file per worker (one writer each), whole lines only.</summary>
    private void ReadTrace()
    {
        lock (_elsewhere)
        {
            foreach (var file in Directory.EnumerateFiles(_traceFolder))
            {
                string text;
                var from = _traceRead.GetValueOrDefault(file);
                using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    if (stream.Length <= from)
                    {
                        continue;
                    }
                    stream.Seek(from, SeekOrigin.Begin);
                    using var reader = new StreamReader(stream);
                    text = reader.ReadToEnd();
                }
                var complete = text.LastIndexOf('\n') + 1; // a line still being written is read next time
                _traceRead[file] = from + System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, complete));
                foreach (var line in text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    AddFromTrace(line);
                }
            }
        }
    }

    private void AddFromTrace(string line)
    {
        var parts = line.Split(' ', 5);
        if (parts.Length == 5 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var start) && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var end)
            && long.TryParse(parts[3], CultureInfo.InvariantCulture, out var cpu))
        {
            var digest = new Digest(KeyOf(parts[4]), 0, pid, start, end, TimeSpan.FromTicks(cpu));
            _elsewhere.Add(digest);
            _scenario.Spans.Add(new Span($"{_label} {digest.Key}", start, end, 0, pid, Busy: true));
        }
    }

    private static string KeyOf(string document) => document.StartsWith("value of ", StringComparison.Ordinal) ? document["value of ".Length..] : document;

    public void Dispose()
    {
        DocumentChecksum.Observer = null;
        DocumentChecksum.StartObserver = null;
        DocumentChecksum.Meter = null;
        DocumentChecksum.Spin = null;
        WorkerProgram.ChecksumTrace = null;
        try
        {
            Directory.Delete(_traceFolder, recursive: true);
        }
        catch (IOException)
        {
            // a worker still writing: the temp folder's cleaner takes it
        }
    }
}
