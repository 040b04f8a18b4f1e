namespace ConcurrencyKata.Runner;

/// <summary>
/// A parameter a command understands, declared once: its name, the kind of value it takes
/// (<see cref="ValueName"/>, or none for a flag) and its meaning for help. The runner alone
/// parses the command line against these declarations, so a misspelt parameter is an error.
/// </summary>
public sealed record Parameter(string Name, string? ValueName, string Meaning)
{
    public bool IsFlag => ValueName is null;

    /// <summary>How help shows it: <c>--exercise=NN</c> or <c>--force</c>.</summary>
    public string Usage => IsFlag ? $"--{Name}" : $"--{Name}={ValueName}";
}

/// <summary>The parameters one command was given, by name (already checked against its declarations).</summary>
public sealed class Options(IReadOnlyDictionary<string, string> values)
{
    public static Options None { get; } = new(new Dictionary<string, string>());

    public string? Get(string name) => values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public bool Flag(string name) => values.ContainsKey(name);
}

/// <summary>
/// <c>[target] [--name=value | --name value | --flag] ...</c>: the target comes first (the default
/// one when the line starts with a parameter), then the parameters its command declares, in either
/// form. Anything else is a <see cref="KataException"/> that says what was meant, when it can tell.
/// </summary>
public static class CommandLine
{
    public static (KataCommand Command, Options Options) Parse(IReadOnlyList<string> args, IReadOnlyList<KataCommand> commands, KataCommand defaultCommand)
    {
        var rest = args.ToList();
        KataCommand command;
        if (rest.Count > 0 && rest[0] is "-h" or "--help" or "-?" or "/?")
        {
            return (commands.First(c => c.Name == "help"), Options.None);
        }
        if (rest.Count == 0 || rest[0].StartsWith('-'))
        {
            command = defaultCommand;
        }
        else
        {
            command = commands.FirstOrDefault(c => c.Name.Equals(rest[0], StringComparison.OrdinalIgnoreCase))
                      ?? throw new KataException($"Unknown target '{rest[0]}'.{Suggest(rest[0], commands.Select(c => c.Name), "")} Try {Terminal.Command} help.");
            rest.RemoveAt(0);
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rest.Count; i++)
        {
            var arg = rest[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                var asTarget = commands.Any(c => c.Name.Equals(arg, StringComparison.OrdinalIgnoreCase));
                throw new KataException(asTarget
                    ? $"'{arg}' is a target: it comes first, as in {Terminal.Command} {arg} {string.Join(' ', args.Where(a => a != arg))}."
                    : $"Unexpected '{arg}': {command.Name} takes {Describe(command)}.");
            }
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            var parameter = command.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                            ?? throw new KataException($"Unknown parameter '--{name}' for {command.Name}.{Suggest(name, command.Parameters.Select(p => p.Name), "--")} " +
                                                       $"{Capitalised(command.Name)} takes {Describe(command)}.");
            string value;
            if (parameter.IsFlag)
            {
                if (eq > 0)
                {
                    throw new KataException($"--{parameter.Name} is a flag: it takes no value (got '{arg}').");
                }
                value = "true";
            }
            else if (eq > 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < rest.Count && !rest[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = rest[++i];
            }
            else
            {
                value = "";
            }
            if (value.Length == 0)
            {
                throw new KataException($"--{parameter.Name} needs a value: {parameter.Usage} ({parameter.Meaning}).");
            }
            if (values.ContainsKey(parameter.Name))
            {
                throw new KataException($"--{parameter.Name} is given twice.");
            }
            values[parameter.Name] = value;
        }
        return (command, new Options(values));
    }

    private static string Describe(KataCommand command)
        => command.Parameters.Count == 0 ? "no parameters" : string.Join(", ", command.Parameters.Select(p => p.Usage));

    private static string Capitalised(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    /// <summary>" Did you mean --exercise?" when one candidate is close to <paramref name="wrong"/> (edit distance at most a third of its length, at least 2).</summary>
    private static string Suggest(string wrong, IEnumerable<string> candidates, string prefix)
    {
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(wrong.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, wrong.Length / 3) ? $" Did you mean {prefix}{best.Name}?" : "";
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
