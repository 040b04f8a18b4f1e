using System.Globalization;
using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>
/// A unified diff (<c>diff -u</c>, <c>git diff</c>) applied to a text, exactly: every context and
/// removed line must be where the hunk says, or the patch does not apply and says where it
/// stopped. A negative control that changes a few lines of its reference is kept as such a patch
/// (<c>File.cs.patch</c> beside the control's other files): the mistake is the diff, and a change
/// to the reference that the patch no longer fits fails ci by name instead of leaving a stale copy.
/// </summary>
public static partial class UnifiedPatch
{
    public const string Extension = ".patch";

    /// <summary>The file a patch in a control's folder stands for: <c>Worker/Program.cs.patch</c> is <c>Worker/Program.cs</c>.</summary>
    public static string TargetOf(string patchPath) => patchPath[..^Extension.Length];

    /// <summary>Applies <paramref name="patch"/> to <paramref name="original"/>; <paramref name="name"/> names the patch in an error.</summary>
    /// <exception cref="KataException">The patch does not fit the text.</exception>
    public static string Apply(string original, string patch, string name)
    {
        var source = Lines(original, out var sourceEndsWithNewline);
        var result = new List<string>();
        var lastHasNoNewline = false; // of the last line added to the result
        var next = 0; // the next line of the source not yet copied
        var patchLines = Lines(patch, out _);
        var hunks = 0;

        void CopySourceUpTo(int end)
        {
            for (; next < end; next++)
            {
                result.Add(source[next]);
                lastHasNoNewline = next == source.Count - 1 && !sourceEndsWithNewline;
            }
        }

        for (var i = 0; i < patchLines.Count; i++)
        {
            var header = HunkHeader().Match(patchLines[i]);
            if (!header.Success)
            {
                if (hunks > 0 && patchLines[i].Length > 0)
                {
                    throw new KataException($"{name}: line {i + 1} is not part of a hunk: \"{patchLines[i]}\"");
                }
                continue; // before the first hunk: the --- / +++ headers
            }
            hunks++;
            var start = int.Parse(header.Groups["start"].Value, CultureInfo.InvariantCulture);
            var length = header.Groups["length"].Success ? int.Parse(header.Groups["length"].Value, CultureInfo.InvariantCulture) : 1;
            var at = length == 0 ? start : start - 1; // "-5,0" inserts after line 5
            if (at < next || at > source.Count)
            {
                throw new KataException($"{name}: hunk {hunks} starts at line {start}, before the end of the hunk before it or past the end of the file ({source.Count} lines)");
            }
            CopySourceUpTo(at);
            var previousKind = ' ';
            for (i++; i < patchLines.Count && !HunkHeader().IsMatch(patchLines[i]); i++)
            {
                var line = patchLines[i];
                if (line.StartsWith('\\'))
                {
                    // "\ No newline at end of file": said of the line before it, in the new text when that was kept or added
                    if (previousKind != '-')
                    {
                        lastHasNoNewline = true;
                    }
                    continue;
                }
                var (kind, text) = line.Length == 0 ? (' ', "") : (line[0], line[1..]);
                previousKind = kind;
                switch (kind)
                {
                    case ' ':
                    case '-':
                        if (next >= source.Count || source[next] != text)
                        {
                            throw new KataException($"{name}: hunk {hunks} does not fit at line {next + 1}: the patch expects \"{text}\", the file has " +
                                                    (next < source.Count ? $"\"{source[next]}\"" : "no more lines") + ". Has the reference changed? Make the patch again.");
                        }
                        if (kind == ' ')
                        {
                            result.Add(text);
                            lastHasNoNewline = false;
                        }
                        next++;
                        break;
                    case '+':
                        result.Add(text);
                        lastHasNoNewline = false;
                        break;
                    default:
                        throw new KataException($"{name}: line {i + 1} of hunk {hunks} starts with '{kind}', not ' ', '-' or '+'");
                }
            }
            i--; // the loop's i++ lands on the next hunk's header
        }
        if (hunks == 0)
        {
            throw new KataException($"{name}: no hunk (@@ -l,s +l,s @@) in it");
        }
        CopySourceUpTo(source.Count);
        var patched = string.Join('\n', result);
        return result.Count > 0 && !lastHasNoNewline ? patched + "\n" : patched;
    }

    /// <summary>The lines of a text, line endings normalised; whether it ended with one.</summary>
    private static List<string> Lines(string text, out bool endsWithNewline)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        endsWithNewline = text.EndsWith('\n');
        var lines = text.Split('\n').ToList();
        if (endsWithNewline)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines;
    }

    [GeneratedRegex(@"^@@ -(?<start>\d+)(,(?<length>\d+))? \+\d+(,\d+)? @@")]
    private static partial Regex HunkHeader();
}
