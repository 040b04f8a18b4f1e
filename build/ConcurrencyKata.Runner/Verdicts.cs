using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ConcurrencyKata.Runner;

/// <summary>
/// The last verdict on each exercise (.kata/verdicts.json), kept with what it was given: a content
/// hash of the exercise's files and one of the judge (its checks, the support code, the build
/// settings). A verdict whose two hashes still match is what a new run would find again, so
/// <c>./build.sh test</c> shows it instead of running the checks again, and says so. Also the
/// list of each exercise's checks, for exercises not started yet, kept with the judge's hash.
/// </summary>
public sealed class Verdicts
{
    /// <summary>One check as it ended (no message: a verdict shown from an earlier run shows only its counts).</summary>
    public sealed record Check(string Class, string Method, string Case, Outcome Outcome, int Order = int.MaxValue);

    /// <summary>An exercise's last verdict and what it was given.</summary>
    public sealed record Entry(string Files, string Judge, Status Status, DateTime When, IReadOnlyList<Check> Checks);

    private sealed record Stored(Dictionary<string, Entry> Exercises, string? ListingJudge, Dictionary<string, List<Check>> Listing);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly string? _path;
    private Stored _stored;

    private Verdicts(string? path, Stored stored) => (_path, _stored) = (path, stored);

    /// <summary>No verdict yet, as on a fresh clone, and none kept: what ci uses to see the first screen a learner sees.</summary>
    public static Verdicts Fresh() => new(null, new Stored([], null, []));

    public static Verdicts Load(KataRepository repository)
    {
        var path = Path.Combine(repository.StateDirectory, "verdicts.json");
        Stored? stored = null;
        try
        {
            stored = File.Exists(path) ? JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            // a file from another version, or cut short: start again
        }
        return new Verdicts(path, stored is { Exercises: not null, Listing: not null } ? stored : new Stored([], null, []));
    }

    public void Save()
    {
        if (_path is null)
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        File.WriteAllText(_path, JsonSerializer.Serialize(_stored, Json));
    }

    /// <summary>The exercise's last verdict, if it was reached with these very files and this very judge.</summary>
    public Entry? Current(Exercise exercise, string filesHash, string judgeHash)
        => _stored.Exercises.TryGetValue(exercise.Id, out var e) && e.Files == filesHash && e.Judge == judgeHash ? e : null;

    public void Record(ExerciseGrade grade, string filesHash, string judgeHash)
    {
        if (grade.Status == Status.NotRun || grade.Checks.Count == 0)
        {
            return; // nothing was judged: no verdict to keep
        }
        _stored.Exercises[grade.Exercise.Id] = new Entry(filesHash, judgeHash, grade.Status, DateTime.UtcNow,
            [.. grade.Checks.Select(c => new Check(c.ClassName, c.MethodName, c.Case, c.Outcome, c.Order))]);
        RecordListing(grade.Exercise, grade.Checks, judgeHash);
    }

    /// <summary>The checks of an exercise as this judge lists them, if known.</summary>
    public IReadOnlyList<Check>? Listing(Exercise exercise, string judgeHash)
        => _stored.ListingJudge == judgeHash && _stored.Listing.TryGetValue(exercise.Id, out var checks) ? checks : null;

    public void RecordListing(Exercise exercise, IEnumerable<TestOutcome> checks, string judgeHash)
    {
        if (_stored.ListingJudge != judgeHash)
        {
            _stored = _stored with { ListingJudge = judgeHash, Listing = [] };
        }
        _stored.Listing[exercise.Id] = [.. checks.Select(c => new Check(c.ClassName, c.MethodName, c.Case, Outcome.NotRun, c.Order))];
    }

    /// <summary>A hash of the exercise's C# files as they are now (paths and contents, line endings normalised).</summary>
    public static string FilesHash(Exercise exercise)
        => HashOf(exercise.FilesOnDisk().Select(f => (f, Path.Combine(exercise.Directory, f))));

    /// <summary>A hash of every exercise's C# files as they are now.</summary>
    public static string ExercisesHash(KataRepository repository)
        => HashOf(repository.Exercises.SelectMany(e => e.FilesOnDisk().Select(f => ($"{e.Id}/{f}", Path.Combine(e.Directory, f)))));

    /// <summary>
    /// A hash of everything that decides what the checks do, other than the learner's code: the
    /// judge's sources and snapshots, the support code, the build settings. A verdict reached with
    /// another judge is judged again.
    /// </summary>
    public static string JudgeHash(KataRepository repository)
    {
        string[] trees = ["tests/ConcurrencyKata.Tests", "support"];
        var files = trees
            .SelectMany(t => Directory.Exists(Path.Combine(repository.Root, t))
                ? Directory.GetFiles(Path.Combine(repository.Root, t), "*.*", SearchOption.AllDirectories)
                : [])
            .Where(f => !IsBuildOutput(f) && Path.GetExtension(f) is ".cs" or ".csproj" or ".snap" or ".json")
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "exercises/ConcurrencyKata.Exercises.csproj", "build/KataCompileInputs.targets" }
                .Select(f => Path.Combine(repository.Root, f)).Where(File.Exists))
            .Select(f => (repository.Relative(f), f));
        return HashOf(files);
    }

    private static bool IsBuildOutput(string path)
    {
        var sep = Path.DirectorySeparatorChar;
        return path.Contains($"{sep}bin{sep}", StringComparison.Ordinal) || path.Contains($"{sep}obj{sep}", StringComparison.Ordinal);
    }

    private static string HashOf(IEnumerable<(string Name, string Path)> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, path) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name.Replace('\\', '/') + "\n"));
            hash.AppendData(Encoding.UTF8.GetBytes(File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal)));
            hash.AppendData([0]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
