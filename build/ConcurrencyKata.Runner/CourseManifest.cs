using System.Text.Json;
using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>A track of the course: async, threads, processes.</summary>
public sealed record Track(string Id, string Title);

/// <summary>
/// <c>exercises/course.json</c>: the one place where an exercise is declared. Its number, slug,
/// title, track, the files the learner edits (subfolders allowed) and the namespace of its
/// checks. Everything else (the runner, lock-stubs, compare, the solutions branch, ci) reads it;
/// nothing re-derives an exercise from folder names.
/// </summary>
public sealed partial record CourseManifest(IReadOnlyList<Track> Tracks, IReadOnlyList<CourseManifest.Entry> Exercises)
{
    public const string FileName = "course.json";

    /// <summary>One exercise as declared: <c>{ "id": "01", "slug": "async-gather", ... }</c>.</summary>
    public sealed record Entry(string Id, string Slug, string Title, string Track, IReadOnlyList<string> Files, string Tests)
    {
        /// <summary>Its folder name in exercises/ and solutions/: "01-async-gather".</summary>
        public string Folder => $"{Id}-{Slug}";
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and validates the manifest; every mistake in it is a <see cref="KataException"/> naming the entry.</summary>
    public static CourseManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new KataException($"{path} is missing: it declares the course's exercises.");
        }
        Raw? raw;
        try
        {
            raw = JsonSerializer.Deserialize<Raw>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new KataException($"{path} is not valid JSON: {e.Message}");
        }
        return Validate(raw ?? new Raw(null, null), path);
    }

    private static CourseManifest Validate(Raw raw, string path)
    {
        var problems = new List<string>();
        var tracks = (raw.Tracks ?? []).Select(t => new Track(t.Id ?? "", t.Title ?? "")).ToList();
        foreach (var track in tracks.Where(t => t.Id.Length == 0 || t.Title.Length == 0))
        {
            problems.Add($"a track needs an id and a title (got id \"{track.Id}\", title \"{track.Title}\")");
        }
        var entries = new List<Entry>();
        foreach (var e in raw.Exercises ?? [])
        {
            var entry = new Entry(e.Id ?? "", e.Slug ?? "", e.Title ?? "", e.Track ?? "", e.Files ?? [], e.Tests ?? "");
            var name = entry.Id.Length > 0 ? $"exercise {entry.Id}" : "an exercise";
            if (!TwoDigits().IsMatch(entry.Id))
            {
                problems.Add($"{name}: \"id\" must be two digits (\"01\"), not \"{entry.Id}\"");
            }
            if (!SlugPattern().IsMatch(entry.Slug))
            {
                problems.Add($"{name}: \"slug\" must be lower-case words joined by '-' (\"async-gather\"), not \"{entry.Slug}\"");
            }
            if (entry.Title.Length == 0)
            {
                problems.Add($"{name}: \"title\" is missing");
            }
            if (tracks.All(t => t.Id != entry.Track))
            {
                problems.Add($"{name}: track \"{entry.Track}\" is not one of the tracks ({string.Join(", ", tracks.Select(t => t.Id))})");
            }
            if (entry.Files.Count == 0)
            {
                problems.Add($"{name}: \"files\" must list the file(s) the learner edits");
            }
            foreach (var file in entry.Files.Where(f => !FilePattern().IsMatch(f) || f.Split('/').Contains("..")))
            {
                problems.Add($"{name}: file \"{file}\" must be a relative path with '/' that ends in .cs (subfolders allowed)");
            }
            if (!entry.Tests.StartsWith("ConcurrencyKata.Tests.", StringComparison.Ordinal))
            {
                problems.Add($"{name}: \"tests\" must be the namespace of its checks (ConcurrencyKata.Tests.ExNN), not \"{entry.Tests}\"");
            }
            entries.Add(entry);
        }
        foreach (var duplicate in entries.GroupBy(e => e.Id).Where(g => g.Count() > 1))
        {
            problems.Add($"exercise {duplicate.Key} is declared {duplicate.Count()} times");
        }
        foreach (var shared in entries.GroupBy(e => e.Tests).Where(g => g.Count() > 1))
        {
            problems.Add($"exercises {string.Join(" and ", shared.Select(e => e.Id))} share the test namespace {shared.Key}");
        }
        var ids = entries.Select(e => e.Id).ToList();
        if (!ids.SequenceEqual(ids.Order(StringComparer.Ordinal)))
        {
            problems.Add($"exercises must be listed in order of their id (got {string.Join(", ", ids)})");
        }
        if (problems.Count > 0)
        {
            throw new KataException($"{path} has {problems.Count} problem(s):\n  " + string.Join("\n  ", problems));
        }
        return new CourseManifest(tracks, entries);
    }

    /// <summary>The JSON as written, before validation: every field may be missing.</summary>
    private sealed record Raw(List<RawTrack>? Tracks, List<RawExercise>? Exercises);

    private sealed record RawTrack(string? Id, string? Title);

    private sealed record RawExercise(string? Id, string? Slug, string? Title, string? Track, List<string>? Files, string? Tests);

    [GeneratedRegex(@"^\d{2}$")]
    private static partial Regex TwoDigits();

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\.cs$")]
    private static partial Regex FilePattern();
}
