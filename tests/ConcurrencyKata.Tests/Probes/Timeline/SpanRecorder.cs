using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Records spans from any thread. <see cref="Begin"/> stamps the start on the calling thread;
/// disposing the handle stamps the end. Cheap enough to wrap a thousand fake calls.
/// </summary>
public sealed class SpanRecorder
{
    private readonly object _gate = new();
    private readonly List<Span> _spans = [];

    public long OriginTicks { get; } = Stopwatch.GetTimestamp();

    /// <summary>Starts a span now, on the current thread (or in <paramref name="place"/>, its lane). Dispose the handle to end it.</summary>
    public Handle Begin(string name, bool busy = false, string? place = null)
    {
        var span = new Span(name, Stopwatch.GetTimestamp(), null, Environment.CurrentManagedThreadId, Environment.ProcessId, busy, place);
        int index;
        lock (_gate)
        {
            index = _spans.Count;
            _spans.Add(span);
        }
        return new Handle(this, index);
    }

    /// <summary>Adds a span measured elsewhere (for example reported by a child process).</summary>
    public void Add(Span span)
    {
        lock (_gate)
        {
            _spans.Add(span);
        }
    }

    public IReadOnlyList<Span> Snapshot()
    {
        lock (_gate)
        {
            return [.. _spans];
        }
    }

    /// <summary>The timeline chart plus its verdict, ready to go into a failure message.</summary>
    public string Render(int maxRows = Timeline.DefaultMaxRows) => Timeline.Render(Snapshot(), OriginTicks, maxRows);

    private void End(int index)
    {
        var end = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var span = _spans[index];
            if (span.EndTicks is null)
            {
                _spans[index] = span with { EndTicks = end };
            }
        }
    }

    public readonly struct Handle(SpanRecorder owner, int index) : IDisposable
    {
        public void Dispose() => owner?.End(index);
    }
}
