using System.Security.Cryptography;
using System.Text;

namespace ConcurrencyKata.Runner;

/// <summary>
/// SHA-256 of every stub file as shipped (exercises/stubs.sha256), so the grader can tell
/// "not started" from "started and failing" without asking git. Line endings are normalised
/// first, so a checkout with CRLF endings still counts as untouched.
/// </summary>
public sealed class StubManifest(IReadOnlyDictionary<string, string> hashes)
{
    public IReadOnlyDictionary<string, string> Hashes { get; } = hashes;

    public static StubManifest Load(string path)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split("  ", 2, StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0].Length == 64)
                {
                    hashes[parts[1]] = parts[0];
                }
            }
        }
        return new StubManifest(hashes);
    }

    /// <summary>Hashes the .cs files of every exercise folder as they are now (subfolders included).</summary>
    public static StubManifest Compute(KataRepository repository)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var exercise in repository.Exercises)
        {
            foreach (var file in exercise.FilesOnDisk())
            {
                hashes[$"{exercise.Id}/{file}"] = Hash(Path.Combine(exercise.Directory, file));
            }
        }
        return new StubManifest(hashes);
    }

    public string Serialize()
        => string.Concat(Hashes.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Value}  {h.Key}\n"));

    /// <summary>True when the exercise's .cs files are exactly the shipped stubs (none changed, added or removed).</summary>
    public bool IsPristine(Exercise exercise)
    {
        var expected = Hashes.Where(h => h.Key.StartsWith(exercise.Id + "/", StringComparison.Ordinal)).ToList();
        var actual = exercise.FilesOnDisk();
        if (expected.Count == 0 || expected.Count != actual.Count)
        {
            return false;
        }
        return expected.All(h =>
        {
            var path = Path.Combine(exercise.Directory, h.Key[(exercise.Id.Length + 1)..]);
            return File.Exists(path) && Hash(path) == h.Value;
        });
    }

    /// <summary>Entries that differ between this manifest and <paramref name="other"/> (for the CI check).</summary>
    public IReadOnlyList<string> Differences(StubManifest other)
        => Hashes.Keys.Union(other.Hashes.Keys)
            .Where(k => !Hashes.TryGetValue(k, out var a) || !other.Hashes.TryGetValue(k, out var b) || a != b)
            .Order(StringComparer.Ordinal)
            .ToList();

    internal static string Hash(string path)
    {
        var text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
