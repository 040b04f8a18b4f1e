namespace ConcurrencyKata.Runner;

/// <summary>
/// One exercise, as <c>exercises/course.json</c> declares it: its folder in exercises/, its
/// reference in solutions/, its track, the files the learner edits and its tests' namespace.
/// </summary>
public sealed record Exercise(string Id, string Number, string Title, Track Track, IReadOnlyList<string> Files, string TestNamespace, string Directory, string SolutionDirectory)
{
    public string ReadmePath => Path.Combine(Directory, "README.md");

    public string HintsPath => Path.Combine(Directory, "HINTS.md");

    public bool Owns(string testClassName) => testClassName.StartsWith(TestNamespace + ".", StringComparison.Ordinal);

    /// <summary>The C# files in the exercise's folder now (relative, '/'-separated, subfolders included), declared or not.</summary>
    public IReadOnlyList<string> FilesOnDisk() => KataRepository.SourceFilesUnder(Directory);
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
public sealed record Control(ControlKind Kind, Exercise Exercise, string Name, string Summary, IReadOnlyList<string> Files)
{
    /// <summary>
    /// A negative control's "// Caught by:" line: the test method(s) of its exercise meant to reject
    /// it, comma-separated. ci runs them first, so the control is rejected without sitting through
    /// the checks before them; should they pass, every other check still runs.
    /// </summary>
    public const string CaughtByMarker = "// Caught by:";

    public IReadOnlyList<string> CaughtBy { get; init; } = [];

    /// <summary>The summary of a control whose files have no "// Mistake:" / "// Approach:" line.</summary>
    public const string NoSummary = "";

    public static string FolderOf(ControlKind kind) => kind == ControlKind.Negative ? "NegativeControls" : "AlternativeSolutions";

    public static string MarkerOf(ControlKind kind) => kind == ControlKind.Negative ? "// Mistake:" : "// Approach:";

    /// <summary>The value of -p:KataControl for this control.</summary>
    public string Key => $"{FolderOf(Kind)}/{Exercise.Id}/{Name}";

    public string ShortName => $"{Exercise.Id}/{Name}";
}

/// <summary>The kata's folders, found from any directory inside the repository.</summary>
public sealed class KataRepository
{
    public const string SolutionFile = "ConcurrencyKata.sln";

    public KataRepository(string root)
    {
        Root = Path.GetFullPath(root);
        Course = CourseManifest.Load(CourseManifestPath);
        Exercises = Course.Exercises.Select(e => new Exercise(
            e.Folder, e.Id, e.Title, Course.Tracks.First(t => t.Id == e.Track), e.Files, e.Tests,
            Path.Combine(ExercisesDirectory, e.Folder), Path.Combine(SolutionsDirectory, e.Folder))).ToList();
    }

    public string Root { get; }

    /// <summary>What exercises/course.json declares.</summary>
    public CourseManifest Course { get; }

    public IReadOnlyList<Exercise> Exercises { get; }

    public string CourseManifestPath => Path.Combine(ExercisesDirectory, CourseManifest.FileName);

    public string ExercisesDirectory => Path.Combine(Root, "exercises");

    public string SolutionsDirectory => Path.Combine(Root, "solutions");

    public string ControlsDirectory(ControlKind kind) => Path.Combine(Root, "tests", Control.FolderOf(kind));

    public string JudgeProject => Path.Combine(Root, "tests", "ConcurrencyKata.Tests", "ConcurrencyKata.Tests.csproj");

    public string RunnerTestsProject => Path.Combine(Root, "build", "ConcurrencyKata.Runner.Tests", "ConcurrencyKata.Runner.Tests.csproj");

    /// <summary>Scratch space for results and learner state; ignored by git.</summary>
    public string StateDirectory => Path.Combine(Root, ".kata");

    /// <summary>The judge's assembly built against one implementation (a variant's name: exercises, solutions, a control's key with '-').</summary>
    public string JudgeAssembly(string variant)
        => Path.Combine(Path.GetDirectoryName(JudgeProject)!, "bin", variant, BuildConfiguration, TargetFramework, "ConcurrencyKata.Tests.dll");

    /// <summary>What the judge's host wrote in its last run against a variant (<see cref="Contract.CheckEvent"/> lines).</summary>
    public string ResultsFile(string variant) => Path.Combine(StateDirectory, "results", variant, "results.jsonl");

    /// <summary>The timelines of the last full run against a variant (<see cref="Contract.ScenarioTimeline"/> lines), for the HTML report.</summary>
    public string TimelinesFile(string variant) => Path.Combine(StateDirectory, "results", variant, "timelines.jsonl");

    /// <summary>The configuration and framework every project of the kata is built for (Directory.Build.props).</summary>
    public const string BuildConfiguration = "Debug";

    public const string TargetFramework = "net10.0";

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
                controls.Add(new Control(kind, exercise, Path.GetFileName(controlDir), ReadSummary(controlDir, Control.MarkerOf(kind)), ControlFilesUnder(controlDir))
                {
                    CaughtBy = ReadSummary(controlDir, Control.CaughtByMarker).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                });
            }
        }
        return controls;
    }

    /// <summary>Every .cs file under <paramref name="directory"/>, relative and '/'-separated, bin/ and obj/ left out.</summary>
    public static IReadOnlyList<string> SourceFilesUnder(string directory)
        => System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
                .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>
    /// The exercise files a control replaces: its .cs files, and for each <c>File.cs.patch</c> (a
    /// near-copy kept as a diff against the reference, <see cref="UnifiedPatch"/>) the file it patches.
    /// </summary>
    public static IReadOnlyList<string> ControlFilesUnder(string directory)
        => [.. SourceFilesUnder(directory).Concat(PatchesUnder(directory).Select(UnifiedPatch.TargetOf)).Order(StringComparer.Ordinal)];

    /// <summary>Every .cs.patch file under <paramref name="directory"/>, relative and '/'-separated.</summary>
    public static IReadOnlyList<string> PatchesUnder(string directory)
        => System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.cs" + UnifiedPatch.Extension, SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The rest of the first line in the control's files that starts with <paramref name="marker"/>; <see cref="Control.NoSummary"/> if none does.</summary>
    private static string ReadSummary(string controlDir, string marker)
    {
        // in a patch, the control's own lines are the added ones ("+// Mistake: ...")
        foreach (var (file, added) in SourceFilesUnder(controlDir).Select(f => (f, "")).Concat(PatchesUnder(controlDir).Select(f => (f, "+"))))
        {
            var line = File.ReadLines(Path.Combine(controlDir, file))
                .Where(l => l.StartsWith(added, StringComparison.Ordinal))
                .Select(l => l[added.Length..])
                .FirstOrDefault(l => l.TrimStart().StartsWith(marker, StringComparison.Ordinal));
            if (line is not null)
            {
                return line.Trim()[marker.Length..].Trim();
            }
        }
        return Control.NoSummary;
    }

}

/// <summary>An error the learner or maintainer can fix; shown as a message, not a stack trace.</summary>
public sealed class KataException(string message) : Exception(message);
