global using FluentAssertions;
global using Xunit;

namespace ConcurrencyKata.Runner.Tests;

/// <summary>A throw-away kata layout on disk: exercises/, solutions/, tests/NegativeControls/.</summary>
public sealed class TempKata : IDisposable
{
    public TempKata()
    {
        Root = Path.Combine(Path.GetTempPath(), "kata-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        File.WriteAllText(Path.Combine(Root, KataRepository.SolutionFile), "");
    }

    public string Root { get; }

    public KataRepository Repository => new(Root);

    public TempKata Exercise(string id, string title, string stub = "class Stub {}", string solution = "class Solution {}")
    {
        Write($"exercises/{id}/README.md", $"# {title}\n\nText.\n");
        Write($"exercises/{id}/Code.cs", stub);
        Write($"solutions/{id}/Code.cs", solution);
        return this;
    }

    public TempKata Control(string exercise, string name, string mistake)
    {
        Write($"tests/NegativeControls/{exercise}/{name}/Code.cs", $"// Mistake: {mistake}\nclass Wrong {{}}\n");
        return this;
    }

    public TempKata Alternative(string exercise, string name, string approach)
    {
        Write($"tests/AlternativeSolutions/{exercise}/{name}/Code.cs", $"// Approach: {approach}\nclass Right {{}}\n");
        return this;
    }

    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    public string Git(params string[] args)
    {
        var result = ProcessRunner.Run("git", args, Root, TimeSpan.FromSeconds(30),
            new Dictionary<string, string>
            {
                ["GIT_AUTHOR_NAME"] = "t", ["GIT_AUTHOR_EMAIL"] = "t@t", ["GIT_COMMITTER_NAME"] = "t", ["GIT_COMMITTER_EMAIL"] = "t@t",
            });
        result.ExitCode.Should().Be(0, result.Output);
        return result.Output.Trim();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
