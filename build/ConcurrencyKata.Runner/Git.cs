namespace ConcurrencyKata.Runner;

/// <summary>The few git commands the runner needs. Every call is bounded; no git means "nothing to say".</summary>
public static class Git
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static ProcessResult Run(string root, params string[] args) => Run(root, null, args);

    public static ProcessResult Run(string root, IDictionary<string, string>? environment, params string[] args)
    {
        try
        {
            return ProcessRunner.Run("git", args, root, Timeout, environment);
        }
        catch (KataException)
        {
            return new ProcessResult(127, "git is not installed", false, TimeSpan.Zero);
        }
    }

    public static bool IsRepository(string root) => Run(root, "rev-parse", "--is-inside-work-tree").ExitCode == 0;

    /// <summary>Files under <paramref name="paths"/> that differ from HEAD (modified, added, deleted or untracked).</summary>
    public static IReadOnlyList<string> ChangedFiles(string root, params string[] paths)
    {
        var result = Run(root, ["status", "--porcelain", "--untracked-files=all", "--", .. paths]);
        if (result.ExitCode != 0)
        {
            return [];
        }
        return result.Output.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.Length > 3)
            .Select(l => l[3..].Trim('"'))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .ToList();
    }

    public static string Output(string root, params string[] args)
    {
        var result = Run(root, args);
        if (result.ExitCode != 0)
        {
            throw new KataException($"git {string.Join(' ', args)} failed: {result.Output.Trim()}");
        }
        return result.Output.Trim();
    }
}
