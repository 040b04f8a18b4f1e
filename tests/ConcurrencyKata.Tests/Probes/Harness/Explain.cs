namespace ConcurrencyKata.Tests.Probes;

/// <summary>Words for failure messages, the same in every exercise.</summary>
public static class Explain
{
    /// <summary>"InvalidOperationException("k2 is unavailable")", "AggregateException wrapping [...]", or "no exception at all".</summary>
    public static string Exception(Exception? error) => error switch
    {
        null => "no exception at all",
        AggregateException a => $"AggregateException wrapping {a.InnerExceptions.Count}: [{string.Join(", ", a.InnerExceptions.Take(5).Select(e => $"{e.GetType().Name}(\"{e.Message}\")"))}{(a.InnerExceptions.Count > 5 ? ", ..." : "")}]",
        _ => $"{error.GetType().Name}(\"{error.Message}\")",
    };

    /// <summary>"[a, b, c]"</summary>
    public static string List<T>(IEnumerable<T> items) => $"[{string.Join(", ", items)}]";
}
