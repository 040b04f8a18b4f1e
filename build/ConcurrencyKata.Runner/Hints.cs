using System.Text.Json;

namespace ConcurrencyKata.Runner;

/// <summary>
/// Progressive hints: HINTS.md holds sections headed "## 1", "## 2", ...; each `hint` call
/// reveals one more (remembered in .kata/hints.json), or up to --level. Any other "## " heading
/// (the answers to the README's "Check yourself" questions, after the hints) ends the hints.
/// </summary>
public sealed class HintBook(IReadOnlyList<string> hints)
{
    public IReadOnlyList<string> Hints { get; } = hints;

    public static HintBook Parse(string markdown)
    {
        var hints = new List<string>();
        List<string>? current = null;
        foreach (var line in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    hints.Add(string.Join('\n', current).Trim());
                }
                // "## 3" starts a hint; any other section is not one, and nothing after it is
                current = int.TryParse(line[3..].Trim(), out _) ? [] : null;
                if (current is null)
                {
                    break;
                }
                continue;
            }
            current?.Add(line);
        }
        if (current is not null)
        {
            hints.Add(string.Join('\n', current).Trim());
        }
        return new HintBook(hints.Where(h => h.Length > 0).ToList());
    }

    public static HintBook Load(Exercise exercise)
        => File.Exists(exercise.HintsPath) ? Parse(File.ReadAllText(exercise.HintsPath)) : new HintBook([]);
}

/// <summary>How many hints the learner has seen, per exercise.</summary>
public sealed class HintProgress(string path)
{
    public int Seen(Exercise exercise) => Load().TryGetValue(exercise.Id, out var n) ? n : 0;

    public void Record(Exercise exercise, int level)
    {
        var all = Load();
        all[exercise.Id] = level;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(all, new JsonSerializerOptions { WriteIndented = true }));
    }

    private Dictionary<string, int> Load()
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path)) ?? [] : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
