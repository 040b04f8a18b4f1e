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
        File.WriteAllText(Path.Combine(Root, KataRepository.SolutionFile), "Project(\"{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}\") = \"ConcurrencyKata.Exercises\", \"exercises\\ConcurrencyKata.Exercises.csproj\", \"{E34889F0-35E0-4226-8745-79801B3FB138}\"\n");
        File.WriteAllText(Path.Combine(Root, CourseChecks.LearnerFilter), "{ \"solution\": { \"path\": \"ConcurrencyKata.sln\", \"projects\": [ \"exercises\\\\ConcurrencyKata.Exercises.csproj\" ] } }\n");
        WriteManifest();
    }

    public string Root { get; }

    public KataRepository Repository => new(Root);

    private readonly List<(string Id, string Slug, string Title, string Track, string[] Files)> _exercises = [];

    /// <summary>
    /// Adds an exercise <paramref name="id"/> ("01-async-gather"): its manifest entry, a README
    /// headed "# 01 · Title", a HINTS.md, a stub and a reference (Code.cs unless <paramref name="files"/> says otherwise).
    /// </summary>
    public TempKata Exercise(string id, string title, string stub = "class Stub {}", string solution = "class Solution {}", string track = "async", params string[] files)
    {
        var number = id[..2];
        var plainTitle = title.StartsWith(number + " · ", StringComparison.Ordinal) ? title[(number.Length + 3)..] : title;
        files = files.Length == 0 ? ["Code.cs"] : files;
        Write($"exercises/{id}/README.md", $"# {number} · {plainTitle}\n\nText.\n");
        Write($"exercises/{id}/HINTS.md", "# Hints\n\n## 1\nOne.\n\n## 2\nTwo.\n");
        foreach (var file in files)
        {
            Write($"exercises/{id}/{file}", stub);
            Write($"solutions/{id}/{file}", solution);
        }
        _exercises.Add((number, id[3..], plainTitle, track, files));
        WriteManifest();
        return this;
    }

    /// <summary>Writes a README.md whose exercise table lists the exercises added so far.</summary>
    public TempKata WithReadmeTable()
    {
        Write("README.md", "| # | exercise | you learn |\n|---|---|---|\n" + string.Concat(_exercises.OrderBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => $"| {e.Id} | [{e.Title}](exercises/{e.Id}-{e.Slug}/README.md) | things |\n")));
        return this;
    }

    /// <summary>Rewrites exercises/course.json from the exercises added so far.</summary>
    public void WriteManifest()
    {
        var entries = _exercises.OrderBy(e => e.Id, StringComparer.Ordinal).Select(e =>
            $"    {{ \"id\": \"{e.Id}\", \"slug\": \"{e.Slug}\", \"title\": \"{e.Title}\", \"track\": \"{e.Track}\", " +
            $"\"files\": [{string.Join(", ", e.Files.Select(f => $"\"{f}\""))}], \"tests\": \"ConcurrencyKata.Tests.Ex{e.Id}\" }}");
        Write("exercises/course.json",
            "{\n  \"tracks\": [\n    { \"id\": \"async\", \"title\": \"Async\" },\n    { \"id\": \"threads\", \"title\": \"Threads\" }\n  ],\n" +
            $"  \"exercises\": [\n{string.Join(",\n", entries)}\n  ]\n}}\n");
    }

    public TempKata Control(string exercise, string name, string mistake, string file = "Code.cs")
    {
        Write($"tests/NegativeControls/{exercise}/{name}/{file}", $"// Mistake: {mistake}\nclass Wrong {{}}\n");
        return this;
    }

    public TempKata Alternative(string exercise, string name, string approach, string file = "Code.cs")
    {
        Write($"tests/AlternativeSolutions/{exercise}/{name}/{file}", $"// Approach: {approach}\nclass Right {{}}\n");
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
