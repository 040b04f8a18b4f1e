namespace ConcurrencyKata.Runner;

/// <summary>`command --name=value --name value --flag` parsing, nothing more.</summary>
public sealed record Options(string? Command, IReadOnlyDictionary<string, string> Values)
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
        return new Options(command, values);
    }

    public string? Get(string name) => Values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public bool Flag(string name) => Get(name) is { } v && !v.Equals("false", StringComparison.OrdinalIgnoreCase);
}
