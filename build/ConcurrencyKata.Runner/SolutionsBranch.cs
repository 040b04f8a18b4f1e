namespace ConcurrencyKata.Runner;

/// <summary>
/// Creates or refreshes a local branch `solutions`: the current commit with every exercise's
/// files replaced by the reference ones, so `git diff solutions -- exercises/01-async-gather`
/// compares your work with the reference. Built with git plumbing on a private index: the
/// working tree, the index and the current branch are never touched.
/// </summary>
public static class SolutionsBranch
{
    public const string Branch = "solutions";

    public static string Refresh(KataRepository repository)
    {
        var root = repository.Root;
        if (!Git.IsRepository(root))
        {
            throw new KataException("This folder is not a git repository, so there is no branch to make.");
        }
        var current = Git.Run(root, "symbolic-ref", "--quiet", "--short", "HEAD").Output.Trim();
        if (current == Branch)
        {
            throw new KataException($"You are on the '{Branch}' branch; switch back to your own branch first (git switch -).");
        }

        var head = Git.Output(root, "rev-parse", "HEAD");
        var index = Path.Combine(repository.StateDirectory, "solutions.index");
        Directory.CreateDirectory(repository.StateDirectory);
        File.Delete(index);
        var env = new Dictionary<string, string>
        {
            ["GIT_INDEX_FILE"] = index,
            ["GIT_AUTHOR_NAME"] = "ConcurrencyKata",
            ["GIT_AUTHOR_EMAIL"] = "kata@localhost",
            ["GIT_COMMITTER_NAME"] = "ConcurrencyKata",
            ["GIT_COMMITTER_EMAIL"] = "kata@localhost",
        };
        try
        {
            Expect(Git.Run(root, env, "read-tree", head), "read-tree");
            var replaced = 0;
            foreach (var exercise in repository.Exercises)
            {
                // the committed reference, not whatever is in the working tree
                var prefix = $"solutions/{exercise.Id}/";
                var listing = Git.Run(root, "ls-tree", "-r", head, prefix);
                foreach (var line in listing.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    // <mode> blob <sha>\t<path>
                    var tab = line.IndexOf('\t');
                    var meta = line[..tab].Split(' ');
                    var path = line[(tab + 1)..];
                    if (meta[1] != "blob" || !path.EndsWith(".cs", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var target = $"exercises/{exercise.Id}/{path[prefix.Length..]}"; // subfolders kept
                    Expect(Git.Run(root, env, "update-index", "--add", "--cacheinfo", $"{meta[0]},{meta[2]},{target}"), "update-index");
                    replaced++;
                }
            }
            var tree = Expect(Git.Run(root, env, "write-tree"), "write-tree");
            var commit = Expect(Git.Run(root, env, "commit-tree", tree, "-p", head, "-m",
                $"Reference solutions in exercises/ ({replaced} files), on top of {head[..12]}"), "commit-tree");
            Expect(Git.Run(root, "update-ref", $"refs/heads/{Branch}", commit), "update-ref");
            return commit;
        }
        finally
        {
            File.Delete(index);
        }
    }

    private static string Expect(ProcessResult result, string what)
        => result.ExitCode == 0 ? result.Output.Trim() : throw new KataException($"git {what} failed: {result.Output.Trim()}");
}
