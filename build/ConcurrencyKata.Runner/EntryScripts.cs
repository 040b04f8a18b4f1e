using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>
/// The three entry points parse nothing: build.sh and build.ps1 hand their arguments to the runner
/// as given, and build.cmd hands them to build.ps1 as typed (<c>%*</c>: Command Prompt would split
/// <c>--exercise=01</c> at the '='). ci has no cmd.exe to run build.cmd with, so it checks these
/// rules in the scripts' text; build.ps1 is run by PowerShell 7 in .ci/run. The .NET 10 SDK is
/// checked the same way by build.sh and build.ps1 (which build.cmd runs).
/// </summary>
public static partial class EntryScripts
{
    public static IReadOnlyList<CourseCheck> Check(string root)
    {
        string Read(string name) => File.Exists(Path.Combine(root, name)) ? File.ReadAllText(Path.Combine(root, name)) : "";
        var (sh, ps, cmd) = (Read("build.sh"), Read("build.ps1"), Read("build.cmd"));
        var cmdCode = string.Join('\n', cmd.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("rem ", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("::", StringComparison.Ordinal)));
        var shCode = string.Join('\n', sh.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));
        var psCode = string.Join('\n', ps.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));
        return
        [
            new(CmdRunsPowerShell().IsMatch(cmdCode) && !CmdPositional().IsMatch(cmdCode.Replace("%~dp0", "", StringComparison.Ordinal)) && !cmdCode.Contains("shift", StringComparison.OrdinalIgnoreCase),
                "build.cmd hands its arguments to build.ps1 as typed (%*), and reads none of them itself",
                "expected one line `powershell -NoProfile -ExecutionPolicy Bypass -File \"%~dp0build.ps1\" %*` and no %1..%9 or shift: " +
                "Command Prompt splits --exercise=01 at the '=', so any parsing there breaks parameters"),
            new(ShRunsRunner().IsMatch(shCode) && !shCode.Contains("for a in", StringComparison.Ordinal) && !shCode.Contains("shift", StringComparison.Ordinal),
                "build.sh hands its arguments to the runner untouched (\"$@\")",
                "expected `dotnet \"$runner\" \"$@\"` and no loop over the arguments: the runner alone parses them"),
            new(PsRunsRunner().IsMatch(psCode) && psCode.Contains("ValueFromRemainingArguments", StringComparison.Ordinal),
                "build.ps1 hands its arguments to the runner untouched (@KataArguments, every remaining argument)",
                "expected a parameter with ValueFromRemainingArguments and `& dotnet $runner @KataArguments`"),
            new(sh.Contains("'^10\\.'", StringComparison.Ordinal) && ps.Contains("'^10\\.'", StringComparison.Ordinal)
                && sh.Contains("dotnet --list-sdks", StringComparison.Ordinal) && ps.Contains("dotnet --list-sdks", StringComparison.Ordinal),
                "build.sh and build.ps1 check for the .NET 10 SDK the same way (dotnet --list-sdks, a line starting 10.)",
                "one of them no longer looks for '^10\\.' in `dotnet --list-sdks`"),
        ];
    }

    [GeneratedRegex(@"^powershell -NoProfile -ExecutionPolicy Bypass -File ""%~dp0build\.ps1"" %\*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex CmdRunsPowerShell();

    [GeneratedRegex(@"%~?[0-9]")]
    private static partial Regex CmdPositional();

    [GeneratedRegex(@"dotnet ""\$runner"" ""\$@""")]
    private static partial Regex ShRunsRunner();

    [GeneratedRegex(@"& dotnet \$runner @KataArguments")]
    private static partial Regex PsRunsRunner();
}
