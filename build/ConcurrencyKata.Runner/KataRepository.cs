using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>One exercise: its folder in exercises/, its reference in solutions/, its tests' namespace.</summary>
public sealed record Exercise(string Id, string Number, string Title, string Directory, string SolutionDirectory)
{
    /// <summary>The judge keeps an exercise's tests in namespace ConcurrencyKata.Tests.ExNN.</summary>
    public string TestNamespace => $"ConcurrencyKata.Tests.Ex{Number}";

    public string ReadmePath => Path.Combine(Directory, "README.md");

    public string HintsPath => Path.Combine(Directory, "HINTS.md");

    public bool Owns(string testClassName) => testClassName.StartsWith(TestNamespace + ".", StringComparison.Ordinal);
}

public enum ControlKind
{
    /// <summary>A known-wrong implementation the judge must reject (tests/NegativeControls/).</summary>
    Negative,

    /// <summary>Another correct implementation the judge must accept (tests/AlternativeSolutions/).</summary>
    Alternative,
}

/// <summary>
/// Files that replace the same-named files of one exercise's reference solution: a known-wrong
/// implementation (negative control) or a different correct one (alternative solution).
/// Their first "// Mistake:" or "// Approach:" line says what they are.
/// </summary>
public sealed record Control(ControlKind Kind, Exercise Exercise, string Name, string Summary)
{
    public static string FolderOf(ControlKind kind) => kind == ControlKind.Negative ? "NegativeControls" : "AlternativeSolutions";

    /// <summary>The value of -p:KataControl for this control.</summary>
    public string Key => $"{FolderOf(Kind)}/{Exercise.Id}/{Name}";

    public string ShortName => $"{Exercise.Id}/{Name}";
}

/// <summary>The kata's folders, found from any directory inside the repository.</summary>
public sealed partial class KataRepository
{
    public const string SolutionFile = "ConcurrencyKata.sln";

    public KataRepository(string root)
    {
        Root = Path.GetFullPath(root);
        Exercises = DiscoverExercises();
    }

    public string Root { get; }

    public IReadOnlyList<Exercise> Exercises { get; }

    public string ExercisesDirectory => Path.Combine(Root, "exercises");

    public string SolutionsDirectory => Path.Combine(Root, "solutions");

    public string ControlsDirectory(ControlKind kind) => Path.Combine(Root, "tests", Control.FolderOf(kind));

    public string JudgeProject => Path.Combine(Root, "tests", "ConcurrencyKata.Tests", "ConcurrencyKata.Tests.csproj");

    public string RunnerTestsProject => Path.Combine(Root, "build", "ConcurrencyKata.Runner.Tests", "ConcurrencyKata.Runner.Tests.csproj");

    /// <summary>Scratch space for results and learner state; ignored by git.</summary>
    public string StateDirectory => Path.Combine(Root, ".kata");

    public string StubManifestPath => Path.Combine(ExercisesDirectory, "stubs.sha256");

    public static KataRepository Find(string startDirectory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return new KataRepository(dir.FullName);
            }
        }
        throw new KataException($"No {SolutionFile} found in {startDirectory} or above: run this from inside the kata.");
    }

    /// <summary>Finds an exercise by number ("1", "01"), name ("async-gather") or folder ("01-async-gather").</summary>
    public Exercise Resolve(string text)
    {
        var wanted = text.Trim().TrimEnd('/', '\\');
        wanted = Path.GetFileName(wanted);
        var match = Exercises.FirstOrDefault(e =>
            e.Id.Equals(wanted, StringComparison.OrdinalIgnoreCase)
            || e.Number == wanted.PadLeft(2, '0')
            || e.Id[3..].Equals(wanted, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new KataException(
            $"No exercise '{text}'. Try one of: {string.Join(", ", Exercises.Select(e => e.Number))} (or a folder name such as {Exercises.FirstOrDefault()?.Id ?? "01-name"}).");
    }

    public IReadOnlyList<Control> Controls(ControlKind kind)
    {
        var controls = new List<Control>();
        foreach (var exercise in Exercises)
        {
            var dir = Path.Combine(ControlsDirectory(kind), exercise.Id);
            if (!System.IO.Directory.Exists(dir))
            {
                continue;
            }
            foreach (var controlDir in System.IO.Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            {
                controls.Add(new Control(kind, exercise, Path.GetFileName(controlDir), ReadSummary(controlDir, kind == ControlKind.Negative ? "// Mistake:" : "// Approach:")));
            }
        }
        return controls;
    }

    /// <summary>The C# files a learner edits in an exercise folder (relative names).</summary>
    public static IReadOnlyList<string> SourceFiles(string directory)
        => System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.cs").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList()
            : [];

    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private List<Exercise> DiscoverExercises()
    {
        if (!System.IO.Directory.Exists(ExercisesDirectory))
        {
            return [];
        }
        return System.IO.Directory.GetDirectories(ExercisesDirectory)
            .Select(d => (Dir: d, Match: ExerciseFolder().Match(Path.GetFileName(d))))
            .Where(x => x.Match.Success)
            .OrderBy(x => x.Match.Groups["n"].Value, StringComparer.Ordinal)
            .Select(x =>
            {
                var id = Path.GetFileName(x.Dir);
                return new Exercise(id, x.Match.Groups["n"].Value, ReadTitle(x.Dir, id), x.Dir, Path.Combine(SolutionsDirectory, id));
            })
            .ToList();
    }

    private static string ReadTitle(string dir, string id)
    {
        var readme = Path.Combine(dir, "README.md");
        if (File.Exists(readme))
        {
            var heading = File.ReadLines(readme).FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
            if (heading is not null)
            {
                // "# 01 · Gather: ..." -> "Gather: ..." (the number has its own column)
                return NumberPrefix().Replace(heading[2..].Trim(), "");
            }
        }
        return id[3..].Replace('-', ' ');
    }

    private static string ReadSummary(string controlDir, string marker)
    {
        foreach (var file in System.IO.Directory.GetFiles(controlDir, "*.cs").Order(StringComparer.Ordinal))
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.TrimStart().StartsWith(marker, StringComparison.Ordinal));
            if (line is not null)
            {
                return line.Trim()[marker.Length..].Trim();
            }
        }
        return $"(no '{marker}' line)";
    }

    [GeneratedRegex(@"^\d{2}\s*[·.:-]\s*")]
    private static partial Regex NumberPrefix();

    [GeneratedRegex(@"^(?<n>\d{2})-[a-z0-9-]+$")]
    private static partial Regex ExerciseFolder();
}

/// <summary>An error the learner or maintainer can fix; shown as a message, not a stack trace.</summary>
public sealed class KataException(string message) : Exception(message);
