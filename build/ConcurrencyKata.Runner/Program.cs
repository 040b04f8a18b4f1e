using ConcurrencyKata.Runner;
using Spectre.Console;

var console = Terminal.Create();
try
{
    var options = Options.Parse(args);
    var repository = KataRepository.Find(options.Get("root") ?? Directory.GetCurrentDirectory());
    Exercise? Focus() => options.Get("exercise") is { Length: > 0 } e ? repository.Resolve(e) : null;
    Exercise Required(string command) => Focus() ?? throw new KataException(
        $"Which exercise? For example: {Terminal.Command} {command} --exercise={repository.Exercises.FirstOrDefault()?.Number ?? "01"}");

    switch (options.Command)
    {
        case "grade":
            return new Grader(repository, console).Run(Focus());

        case "watch":
        {
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            return Watch.Run(repository, console, Focus(), stop.Token);
        }

        case "ci":
            return new CiPipeline(repository, console).Run();

        case "hint":
        {
            var exercise = Required("hint");
            var book = HintBook.Load(exercise);
            if (book.Hints.Count == 0)
            {
                console.MarkupLine($"No hints for {Markup.Escape(exercise.Id)} yet: read {Markup.Escape(repository.Relative(exercise.ReadmePath))} again.");
                return 0;
            }
            var progress = new HintProgress(Path.Combine(repository.StateDirectory, "hints.json"));
            var level = options.Get("level") is { } l && int.TryParse(l, out var n)
                ? Math.Clamp(n, 1, book.Hints.Count)
                : Math.Min(progress.Seen(exercise) + 1, book.Hints.Count);
            progress.Record(exercise, Math.Max(level, progress.Seen(exercise)));
            console.MarkupLine($"[bold]Hints for {Markup.Escape(exercise.Number)} {Markup.Escape(exercise.Title)}[/] ({level} of {book.Hints.Count})");
            for (var i = 0; i < level; i++)
            {
                console.WriteLine();
                console.MarkupLine($"[cyan]Hint {i + 1}[/]");
                console.WriteLine(book.Hints[i]);
            }
            console.WriteLine();
            console.MarkupLine(level < book.Hints.Count
                ? $"[grey]Run the same command again for hint {level + 1}.[/]"
                : $"[grey]That was the last hint. Still stuck? {Markup.Escape(Terminal.Command)} compare --exercise={exercise.Number} --force shows the reference.[/]");
            return 0;
        }

        case "compare":
        {
            var exercise = Required("compare");
            if (!options.Flag("force"))
            {
                console.MarkupLine($"[grey]Checking that {Markup.Escape(exercise.Id)} passes first...[/]");
                if (!Grader.Passes(repository, exercise))
                {
                    console.MarkupLine($"[yellow]{Markup.Escape(exercise.Id)} does not pass yet[/], so the reference stays hidden: it teaches more once you have tried.");
                    console.MarkupLine($"Run {Markup.Escape(Terminal.Command)} test --exercise={exercise.Number} to see what is left, or add --force to look anyway.");
                    return 1;
                }
            }
            Compare.Show(console, repository, exercise);
            return 0;
        }

        case "solutions-branch":
        {
            var commit = SolutionsBranch.Refresh(repository);
            console.MarkupLine($"Branch [bold]{SolutionsBranch.Branch}[/] now points at {commit[..12]}: the current commit with the reference code in exercises/.");
            console.MarkupLine($"Compare: [bold]git diff {SolutionsBranch.Branch} -- {Markup.Escape(repository.Relative(repository.Exercises.FirstOrDefault()?.Directory ?? repository.ExercisesDirectory))}[/]");
            return 0;
        }

        case "lock-stubs":
        {
            var manifest = StubManifest.Compute(repository);
            File.WriteAllText(repository.StubManifestPath, manifest.Serialize());
            console.MarkupLine($"Wrote {Markup.Escape(repository.Relative(repository.StubManifestPath))} ({manifest.Hashes.Count} files).");
            return 0;
        }

        case "coverage-summary":
        {
            var files = Directory.GetFiles(options.Get("results") ?? Path.Combine(repository.StateDirectory, "coverage"), "coverage.cobertura.xml", SearchOption.AllDirectories);
            if (files.Length == 0)
            {
                throw new KataException("No coverage.cobertura.xml found: run the coverage target first.");
            }
            var newest = files.OrderByDescending(File.GetLastWriteTimeUtc).First();
            Coverage.Print(console, Coverage.Read(newest));
            console.MarkupLine($"[grey]{Markup.Escape(repository.Relative(newest))}[/]");
            return 0;
        }

        case "list":
            foreach (var exercise in repository.Exercises)
            {
                console.WriteLine($"{exercise.Id}\t{exercise.Title}");
            }
            return 0;

        default:
            throw new KataException($"Unknown command '{options.Command}'. Try {Terminal.Command} help.");
    }
}
catch (KataException e)
{
    console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
    return 2;
}

/// <summary>`command --name=value --name value --flag` parsing, nothing more.</summary>
internal sealed record Options(string Command, IReadOnlyDictionary<string, string> Values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? command = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=');
                if (eq > 0)
                {
                    values[arg[2..eq]] = arg[(eq + 1)..];
                }
                else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    values[arg[2..]] = args[++i];
                }
                else
                {
                    values[arg[2..]] = "true";
                }
            }
            else
            {
                command ??= arg;
            }
        }
        return new Options(command ?? "grade", values);
    }

    public string? Get(string name) => Values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public bool Flag(string name) => Get(name) is { } v && !v.Equals("false", StringComparison.OrdinalIgnoreCase);
}
