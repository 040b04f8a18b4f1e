namespace ConcurrencyKata.Runner;

/// <summary>Small text helpers for what other programs printed.</summary>
public static class Text
{
    /// <summary>The first <paramref name="count"/> non-empty lines, trailing spaces trimmed.</summary>
    public static string FirstLines(string text, int count)
        => string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Take(count));

    /// <summary>The last <paramref name="count"/> non-empty lines, trailing spaces trimmed.</summary>
    public static string LastLines(string text, int count)
        => string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).TakeLast(count));
}
