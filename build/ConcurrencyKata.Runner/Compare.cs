using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>A unified diff of the learner's files against the reference, file by file.</summary>
public static class Compare
{
    public const int Context = 3;

    /// <summary>Unified-diff lines (without colour) between two texts; empty when they are the same.</summary>
    public static IReadOnlyList<string> Diff(string yours, string reference, string yoursName, string referenceName)
    {
        var model = InlineDiffBuilder.Diff(Normalize(yours), Normalize(reference), ignoreWhiteSpace: false);
        var lines = model.Lines;
        if (lines.All(l => l.Type == ChangeType.Unchanged))
        {
            return [];
        }
        var output = new List<string> { $"--- {yoursName}", $"+++ {referenceName}" };
        var changed = lines.Select((l, i) => (l, i)).Where(x => x.l.Type != ChangeType.Unchanged).Select(x => x.i).ToList();

        // group changes whose context windows touch into hunks
        var hunks = new List<(int From, int To)>();
        foreach (var index in changed)
        {
            var from = Math.Max(0, index - Context);
            var to = Math.Min(lines.Count - 1, index + Context);
            if (hunks.Count > 0 && from <= hunks[^1].To + 1)
            {
                hunks[^1] = (hunks[^1].From, to);
            }
            else
            {
                hunks.Add((from, to));
            }
        }
        foreach (var (from, to) in hunks)
        {
            var oldStart = 1 + lines.Take(from).Count(l => l.Type != ChangeType.Inserted);
            var newStart = 1 + lines.Take(from).Count(l => l.Type != ChangeType.Deleted);
            var slice = lines.Skip(from).Take(to - from + 1).ToList();
            output.Add($"@@ -{oldStart},{slice.Count(l => l.Type != ChangeType.Inserted)} +{newStart},{slice.Count(l => l.Type != ChangeType.Deleted)} @@");
            output.AddRange(slice.Select(l => l.Type switch
            {
                ChangeType.Inserted => "+" + l.Text,
                ChangeType.Deleted => "-" + l.Text,
                _ => " " + l.Text,
            }));
        }
        return output;
    }

    /// <summary>
    /// Prints the diff of every file of an exercise against the reference, or against another correct
    /// approach (an alternative solution: its own files, the reference's for the files it leaves as they are).
    /// </summary>
    public static void Show(IAnsiConsole console, KataRepository repository, Exercise exercise, Control? approach = null)
    {
        var files = exercise.Files.Union(exercise.FilesOnDisk()).Union(KataRepository.SourceFilesUnder(exercise.SolutionDirectory)).Order(StringComparer.Ordinal);
        var any = false;
        foreach (var file in files)
        {
            var yoursPath = Path.Combine(exercise.Directory, file);
            var referencePath = approach is not null && approach.Files.Contains(file)
                ? Path.Combine(Approaches.DirectoryOf(repository, approach), file)
                : Path.Combine(exercise.SolutionDirectory, file);
            var yours = File.Exists(yoursPath) ? File.ReadAllText(yoursPath) : "";
            var reference = File.Exists(referencePath) ? File.ReadAllText(referencePath) : "";
            var diff = Diff(yours, reference, repository.Relative(yoursPath), repository.Relative(referencePath));
            foreach (var line in diff)
            {
                any = true;
                var escaped = Markup.Escape(line);
                console.MarkupLine(line switch
                {
                    _ when line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) => $"[bold]{escaped}[/]",
                    _ when line.StartsWith("@@", StringComparison.Ordinal) => $"[cyan]{escaped}[/]",
                    _ when line.StartsWith('+') => $"[green]{escaped}[/]",
                    _ when line.StartsWith('-') => $"[red]{escaped}[/]",
                    _ => escaped,
                });
            }
        }
        if (!any)
        {
            console.MarkupLine("Your files are identical to the reference.");
        }
        else
        {
            console.WriteLine();
            console.MarkupLine(approach is null
                ? "[grey]Lines marked - are yours, + are the reference's. Different is fine when the checks pass: read why the reference chose what it did.[/]"
                : $"[grey]Lines marked - are yours, + are those of the approach '{Markup.Escape(approach.Name)}'. It passes every check too: read how it differs.[/]");
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}

/// <summary>
/// The correct approaches to an exercise a learner can read once theirs passes: the reference, and
/// each alternative solution the judge accepts (tests/AlternativeSolutions/NN-name/NAME/, whose
/// "// Approach:" line says what it does).
/// </summary>
public static class Approaches
{
    public const string Reference = "reference";

    public static IReadOnlyList<Control> Of(KataRepository repository, Exercise exercise)
        => [.. repository.Controls(ControlKind.Alternative).Where(c => c.Exercise.Id == exercise.Id)];

    public static string DirectoryOf(KataRepository repository, Control approach)
        => Path.Combine(repository.ControlsDirectory(ControlKind.Alternative), approach.Exercise.Id, approach.Name);

    /// <summary>The approach called <paramref name="name"/>; null for the reference; a KataException naming the others when there is none.</summary>
    public static Control? Find(KataRepository repository, Exercise exercise, string name)
    {
        if (name.Equals(Reference, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var all = Of(repository, exercise);
        return all.FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
               ?? throw new KataException($"No approach '{name}' for {exercise.Id}. Its approaches: {string.Join(", ", all.Select(a => a.Name).Prepend(Reference))}.");
    }

    /// <summary>Lists the reference and every alternative with its approach line, and how to read one beside your code.</summary>
    public static void List(IAnsiConsole console, KataRepository repository, Exercise exercise, Control? shown)
    {
        var all = Of(repository, exercise);
        console.WriteLine();
        console.MarkupLine($"[bold]Correct approaches to {Markup.Escape(exercise.Number)}[/] (each passes every check; {Markup.Escape(Terminal.Command)} compare --exercise={exercise.Number} --approach=NAME shows one beside your code):");
        var width = all.Select(a => a.Name.Length).Append(Reference.Length).Max();
        void Row(string name, string what, bool current)
            => console.MarkupLine($"  {(current ? "[bold]>[/]" : " ")} {Markup.Escape(name.PadRight(width))}  {Markup.Escape(what)}");
        Row(Reference, $"the reference, {repository.Relative(exercise.SolutionDirectory)}/", shown is null);
        foreach (var approach in all)
        {
            Row(approach.Name, approach.Summary, shown?.Name == approach.Name);
        }
    }
}
