namespace ConcurrencyKata.Runner;

/// <summary>
/// Whether this runner is older than its sources. The entry scripts build the runner only when it
/// is missing, and run it; a runner older than its sources asks them, with
/// <see cref="ExitRebuildMe"/>, to build it and run it again (it cannot rebuild the file it runs
/// from: Windows locks it). So a learner's loop never pays for a build of the runner, and a
/// maintainer's edit to it is never ignored.
/// </summary>
public static class RunnerBuild
{
    /// <summary>The exit code that asks build.sh / build.ps1 to build the runner and run the same command again (EX_TEMPFAIL).</summary>
    public const int ExitRebuildMe = 75;

    /// <summary>Set by the entry scripts on the run after a rebuild: the runner is as new as it can be, do not ask again.</summary>
    public const string JustBuiltVariable = "KATA_RUNNER_BUILT";

    /// <summary>The runner's own project folder, relative to the kata's root.</summary>
    public const string ProjectDirectory = "build/ConcurrencyKata.Runner";

    /// <summary>Files outside the project that it compiles (linked) or that decide how it builds, relative to the root.</summary>
    public static readonly string[] OtherInputs = ["Directory.Build.props", "Directory.Packages.props", "global.json", HostContractSource];

    /// <summary>The runner ↔ judge host contract, compiled into both (a linked source).</summary>
    public const string HostContractSource = "tests/ConcurrencyKata.Tests/Host/HostContract.cs";

    public static bool IsStale()
    {
        if (Environment.GetEnvironmentVariable(JustBuiltVariable) == "1")
        {
            return false;
        }
        var assembly = typeof(RunnerBuild).Assembly.Location;
        var root = FindRoot(AppContext.BaseDirectory);
        return root is not null && File.Exists(assembly) && NewestInput(root) > File.GetLastWriteTimeUtc(assembly);
    }

    /// <summary>The newest write time among the runner's inputs under <paramref name="root"/>.</summary>
    internal static DateTime NewestInput(string root)
    {
        var project = Path.Combine(root, ProjectDirectory);
        var sep = Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(project, "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
                        && !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal))
            .Concat(OtherInputs.Select(f => Path.Combine(root, f)).Where(File.Exists));
        return files.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
    }

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, KataRepository.SolutionFile)))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
