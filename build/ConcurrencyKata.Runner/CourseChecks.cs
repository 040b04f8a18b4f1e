using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>One structural finding: what was checked, and why not when it failed.</summary>
public sealed record CourseCheck(bool Ok, string What, string? WhyNot = null);

/// <summary>
/// The course's structure, checked before anything is built: every exercise the manifest
/// declares has its README heading, its hints, a reference for each of its files, two negative
/// controls and an alternative, each control says what it is and names only files the
/// exercise has, the snapshots the judge needs exist, and the README's table lists exactly the
/// manifest's exercises. A structural mistake fails loudly here instead of falling back to a
/// default text somewhere later.
/// </summary>
public static partial class CourseChecks
{
    public const int MinNegativeControls = 2;
    public const int MinAlternatives = 1;

    public static IReadOnlyList<CourseCheck> Run(KataRepository repository)
    {
        var checks = new List<CourseCheck>();
        var negatives = repository.Controls(ControlKind.Negative);
        var alternatives = repository.Controls(ControlKind.Alternative);
        foreach (var exercise in repository.Exercises)
        {
            checks.AddRange(ForExercise(repository, exercise,
                negatives.Where(c => c.Exercise == exercise).ToList(),
                alternatives.Where(c => c.Exercise == exercise).ToList()));
        }
        checks.AddRange(ControlsOfUndeclaredExercises(repository));
        checks.AddRange(Snapshots(repository));
        checks.Add(ReadmeTable(repository));
        checks.AddRange(DocumentedCommands.Check(repository, DocumentedCommands.Documents(repository)));
        checks.Add(LearnerSolutionFilter(repository));
        return checks;
    }

    private static IEnumerable<CourseCheck> ForExercise(KataRepository repository, Exercise exercise, IReadOnlyList<Control> negatives, IReadOnlyList<Control> alternatives)
    {
        var id = exercise.Id;
        var expectedHeading = $"# {exercise.Number} · {exercise.Title}";
        var heading = File.Exists(exercise.ReadmePath) ? File.ReadLines(exercise.ReadmePath).FirstOrDefault() ?? "" : null;
        yield return new CourseCheck(heading == expectedHeading, $"{id}: README.md starts with \"{expectedHeading}\"",
            heading is null ? $"{repository.Relative(exercise.ReadmePath)} is missing" : $"its first line is \"{heading}\" (the title comes from exercises/course.json)");

        var hints = File.Exists(exercise.HintsPath) ? HintSection().Matches(File.ReadAllText(exercise.HintsPath)).Select(m => int.Parse(m.Groups[1].Value)).ToList() : null;
        yield return new CourseCheck(hints is { Count: > 0 } && hints.SequenceEqual(Enumerable.Range(1, hints.Count)), $"{id}: HINTS.md has hint sections ## 1, ## 2, ...",
            hints is null ? $"{repository.Relative(exercise.HintsPath)} is missing" : $"found sections [{string.Join(", ", hints)}]");

        var missingStubs = exercise.Files.Where(f => !File.Exists(Path.Combine(exercise.Directory, f))).ToList();
        yield return new CourseCheck(missingStubs.Count == 0, $"{id}: every learner file is in exercises/{id}/",
            $"missing: {string.Join(", ", missingStubs)}");
        var referenceFiles = KataRepository.SourceFilesUnder(exercise.SolutionDirectory);
        yield return new CourseCheck(referenceFiles.SequenceEqual(exercise.Files.Order(StringComparer.Ordinal)), $"{id}: solutions/{id}/ holds a reference for exactly the learner's files",
            $"the manifest lists [{string.Join(", ", exercise.Files)}], solutions/{id}/ has [{string.Join(", ", referenceFiles)}]");

        yield return new CourseCheck(negatives.Count >= MinNegativeControls, $"{id}: at least {MinNegativeControls} negative controls",
            $"found {negatives.Count} in tests/{Control.FolderOf(ControlKind.Negative)}/{id}/");
        yield return new CourseCheck(alternatives.Count >= MinAlternatives, $"{id}: at least {MinAlternatives} alternative solution",
            $"found {alternatives.Count} in tests/{Control.FolderOf(ControlKind.Alternative)}/{id}/");
        // one line for all of an exercise's controls when they are fine, one per problem otherwise
        var problems = new List<CourseCheck>();
        foreach (var control in negatives.Concat(alternatives))
        {
            if (control.Summary == Control.NoSummary)
            {
                problems.Add(new CourseCheck(false, $"{control.Key}: says what it is ({Control.MarkerOf(control.Kind)} ...)",
                    $"none of its files has a line starting with {Control.MarkerOf(control.Kind)}"));
            }
            var unknown = control.CaughtBy.Where(m => !DeclaresTestMethod(repository, exercise, m)).ToList();
            if (unknown.Count > 0)
            {
                problems.Add(new CourseCheck(false, $"{control.Key}: its {Control.CaughtByMarker} names test methods of {id}",
                    $"no test method named {string.Join(", ", unknown)} in {repository.Relative(TestsDirectoryOf(repository, exercise))}/"));
            }
            var controlDirectory = Path.Combine(repository.ControlsDirectory(control.Kind), exercise.Id, control.Name);
            foreach (var patch in KataRepository.PatchesUnder(controlDirectory))
            {
                var reference = Path.Combine(exercise.SolutionDirectory, UnifiedPatch.TargetOf(patch));
                try
                {
                    UnifiedPatch.Apply(File.Exists(reference) ? File.ReadAllText(reference) : "", File.ReadAllText(Path.Combine(controlDirectory, patch)), $"{control.Key}/{patch}");
                }
                catch (KataException e)
                {
                    problems.Add(new CourseCheck(false, $"{control.Key}: its patch {patch} fits the reference {repository.Relative(reference)}", e.Message));
                }
            }
            var foreign = control.Files.Except(exercise.Files).ToList();
            if (control.Files.Count == 0 || foreign.Count > 0)
            {
                problems.Add(new CourseCheck(false, $"{control.Key}: replaces only files the exercise has",
                    control.Files.Count == 0 ? "it has no .cs file" : $"{string.Join(", ", foreign)} is not one of [{string.Join(", ", exercise.Files)}]"));
            }
        }
        if (problems.Count == 0)
        {
            var patches = negatives.Concat(alternatives).Count(c => KataRepository.PatchesUnder(Path.Combine(repository.ControlsDirectory(c.Kind), id, c.Name)).Count > 0);
            yield return new CourseCheck(true, $"{id}: its {negatives.Count + alternatives.Count} controls say what they are and replace only its files" +
                                               (patches > 0 ? $"; the patches of {patches} fit the reference" : ""));
        }
        foreach (var problem in problems)
        {
            yield return problem;
        }
    }

    /// <summary>Where an exercise's checks live: the judge's folder named after the last part of its test namespace (Ex13).</summary>
    private static string TestsDirectoryOf(KataRepository repository, Exercise exercise)
        => Path.Combine(Path.GetDirectoryName(repository.JudgeProject)!, exercise.TestNamespace.Split('.')[^1]);

    private static bool DeclaresTestMethod(KataRepository repository, Exercise exercise, string method)
    {
        var dir = TestsDirectoryOf(repository, exercise);
        var declaration = new Regex($@"\b(void|Task)\s+{Regex.Escape(method)}\s*\(");
        return Directory.Exists(dir) && KataRepository.SourceFilesUnder(dir).Any(f => declaration.IsMatch(File.ReadAllText(Path.Combine(dir, f))));
    }

    /// <summary>Controls in a folder that no manifest entry declares (a renamed exercise, a typo) would never run.</summary>
    private static IEnumerable<CourseCheck> ControlsOfUndeclaredExercises(KataRepository repository)
    {
        foreach (var kind in new[] { ControlKind.Negative, ControlKind.Alternative })
        {
            var dir = repository.ControlsDirectory(kind);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var folder in Directory.GetDirectories(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                yield return new CourseCheck(repository.Exercises.Any(e => e.Id == folder), $"tests/{Control.FolderOf(kind)}/{folder}/ belongs to a declared exercise",
                    "no exercise in exercises/course.json has that folder name, so these controls would never run");
            }
        }
    }

    /// <summary>Every test that calls Snapshot.Match has its .snap file next to it (strict mode would fail it, but later and less clearly).</summary>
    private static IEnumerable<CourseCheck> Snapshots(KataRepository repository)
    {
        var judgeDir = Path.GetDirectoryName(repository.JudgeProject)!;
        foreach (var file in KataRepository.SourceFilesUnder(judgeDir))
        {
            var path = Path.Combine(judgeDir, file);
            var text = File.ReadAllText(path);
            var className = ClassName().Match(text) is { Success: true } c ? c.Groups[1].Value : Path.GetFileNameWithoutExtension(file);
            var methods = TestMethod().Matches(text).Select(m => (Name: m.Groups[1].Value, m.Index)).ToList();
            foreach (Match use in SnapshotUse().Matches(text))
            {
                var method = methods.LastOrDefault(m => m.Index < use.Index).Name;
                if (method is null)
                {
                    continue;
                }
                var snap = Path.Combine(Path.GetDirectoryName(path)!, "__snapshots__", $"{className}.{method}.snap");
                yield return new CourseCheck(File.Exists(snap), $"snapshot for {className}.{method} exists",
                    $"{repository.Relative(snap)} is missing: run the judge once against the solutions with a plain `dotnet test` to create it, and commit it");
            }
        }
    }

    /// <summary>The README's exercise table lists the manifest's exercises, in order, with their titles and folders.</summary>
    private static CourseCheck ReadmeTable(KataRepository repository)
    {
        var readme = Path.Combine(repository.Root, "README.md");
        if (!File.Exists(readme))
        {
            return new CourseCheck(false, "README.md lists every exercise", "README.md is missing");
        }
        var rows = TableRow().Matches(File.ReadAllText(readme)).Select(m => $"{m.Groups["n"].Value} {m.Groups["title"].Value} ({m.Groups["folder"].Value})").ToList();
        var expected = repository.Exercises.Select(e => $"{e.Number} {e.Title} ({e.Id})").ToList();
        return new CourseCheck(rows.SequenceEqual(expected), "README.md's exercise table matches exercises/course.json",
            $"the README lists [{string.Join("; ", rows)}]\nthe manifest declares [{string.Join("; ", expected)}]");
    }

    public const string LearnerFilter = "ConcurrencyKata.Learner.slnf";

    /// <summary>
    /// The learner's solution filter opens the exercises and what they build on, and none of the
    /// answers: every project it names is in the solution, the exercises' project is among them, and
    /// neither the reference, the judge nor the controls are.
    /// </summary>
    private static CourseCheck LearnerSolutionFilter(KataRepository repository)
    {
        var what = $"{LearnerFilter} opens the exercises and their support, without the reference solutions or the judge";
        var path = Path.Combine(repository.Root, LearnerFilter);
        if (!File.Exists(path))
        {
            return new CourseCheck(false, what, $"{LearnerFilter} is missing");
        }
        List<string> projects;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            projects = [.. json.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray().Select(p => p.GetString()!.Replace('\\', '/'))];
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new CourseCheck(false, what, $"it is not a solution filter ({{ \"solution\": {{ \"path\": ..., \"projects\": [...] }} }}): {e.Message}");
        }
        var solution = File.ReadAllText(Path.Combine(repository.Root, KataRepository.SolutionFile)).Replace('\\', '/');
        var problems = projects.Where(p => !solution.Contains($"\"{p}\"", StringComparison.Ordinal)).Select(p => $"{p} is not in {KataRepository.SolutionFile}")
            .Concat(projects.Where(p => p.StartsWith("solutions/", StringComparison.Ordinal) || p.StartsWith("tests/", StringComparison.Ordinal)).Select(p => $"{p} holds answers or the judge"))
            .Concat(projects.Any(p => p.StartsWith("exercises/", StringComparison.Ordinal)) ? [] : ["the exercises' project is not in it"])
            .ToList();
        return new CourseCheck(problems.Count == 0, what, string.Join("; ", problems));
    }

    [GeneratedRegex(@"^## (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex HintSection();

    [GeneratedRegex(@"\bclass\s+(\w+)")]
    private static partial Regex ClassName();

    [GeneratedRegex(@"public\s+(?:async\s+)?(?:void|Task)\s+(\w+)\s*\(")]
    private static partial Regex TestMethod();

    [GeneratedRegex(@"\bSnapshot\.Match\(")]
    private static partial Regex SnapshotUse();

    // | 01 | [Title](exercises/01-async-gather/README.md) | ... |
    [GeneratedRegex(@"^\|\s*(?<n>\d{2})\s*\|\s*\[(?<title>[^\]]+)\]\(exercises/(?<folder>[^/)]+)/README\.md\)", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
