using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>One compiler or MSBuild message, with the file and position it points at.</summary>
public sealed record Diagnostic(string Severity, string Code, string Message, string? File, int Line, int Column)
{
    public bool IsError => Severity == "error";

    public string Location => File is null ? "" : Line > 0 ? $"{File}:{Line}:{Column}" : File;

    public override string ToString() => $"{Location}{(File is null ? "" : ": ")}{Severity} {Code}: {Message}";
}

/// <summary>Turns MSBuild's console output into a short, de-duplicated list of diagnostics.</summary>
public static partial class BuildDiagnostics
{
    public static IReadOnlyList<Diagnostic> Parse(string output, string repositoryRoot)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<Diagnostic>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            var m = FileMessage().Match(line);
            Diagnostic? diagnostic = null;
            if (m.Success)
            {
                string? file = m.Groups["file"].Value;
                if (!m.Groups["line"].Success && !file.Contains('.', StringComparison.Ordinal))
                {
                    file = null; // "MSBUILD : error ..." names a tool, not a file
                }
                else if (Path.IsPathRooted(file))
                {
                    file = Path.GetRelativePath(repositoryRoot, file);
                }
                diagnostic = new Diagnostic(
                    m.Groups["sev"].Value,
                    m.Groups["code"].Value,
                    m.Groups["msg"].Value.Trim(),
                    file?.Replace('\\', '/'),
                    m.Groups["line"].Success ? int.Parse(m.Groups["line"].Value) : 0,
                    m.Groups["col"].Success ? int.Parse(m.Groups["col"].Value) : 0);
            }
            else
            {
                var g = GeneralMessage().Match(line);
                if (g.Success)
                {
                    diagnostic = new Diagnostic(g.Groups["sev"].Value, g.Groups["code"].Value, g.Groups["msg"].Value.Trim(), null, 0, 0);
                }
            }
            if (diagnostic is not null && seen.Add(diagnostic.ToString()))
            {
                result.Add(diagnostic);
            }
        }
        return result;
    }

    // /path/File.cs(12,5): error CS1002: ; expected [/path/Project.csproj]
    [GeneratedRegex(@"^(?<file>[^\s(][^(]*?)(\((?<line>\d+)(,(?<col>\d+))?(,\d+,\d+)?\))?\s*:\s*(?<sev>error|warning)\s+(?<code>[A-Za-z]+\d+)\s*:\s*(?<msg>.*?)(\s+\[[^\]]+\])?$")]
    private static partial Regex FileMessage();

    // MSBUILD : error MSB1009: Project file does not exist.
    [GeneratedRegex(@"^(?:MSBUILD|CSC|.*?)\s*:\s*(?<sev>error|warning)\s+(?<code>[A-Za-z]+\d+)\s*:\s*(?<msg>.*?)(\s+\[[^\]]+\])?$")]
    private static partial Regex GeneralMessage();
}
