namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// A check that is skipped, or judges less, on some platforms, because a probe it needs reads
/// what only some operating systems offer (a thread's wake-ups, a process's children in /proc), or
/// because the platform itself behaves otherwise. The judge's host reports it with the check, and
/// ci requires the README's "You need" table to list every such check with these very words, so a
/// learner on macOS or Windows knows what is not judged there and why.
/// </summary>
/// <param name="where">The platforms where the check is weaker ("macOS, Windows").</param>
/// <param name="what">What happens there and why ("skipped: only Linux lists a process's children, in /proc").</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PlatformLimitAttribute(string where, string what) : Attribute
{
    public string Where { get; } = where;

    public string What { get; } = what;

    /// <summary>As the host reports it: "macOS, Windows: skipped: ...".</summary>
    public override string ToString() => $"{Where}: {What}";
}

/// <summary>Why checks are weaker off Linux, in one place: the skip reasons and the <see cref="PlatformLimitAttribute"/> texts use these.</summary>
public static class PlatformReasons
{
    public const string ChildListing = "the judge lists a process's children only on Linux (from /proc)";

    public const string Wakeups = "the judge counts a thread's wake-ups only on Linux (from /proc)";

    public const string WindowsPipeReads =
        "with .NET 10 on Windows, each pending read of a child's redirected output holds a pool thread (dotnet/runtime#81896), so awaiting a child costs up to two threads there and cannot be told from blocking";
}
