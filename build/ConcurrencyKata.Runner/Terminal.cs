using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>The console the runner writes to: colour only on a terminal, never with NO_COLOR set.</summary>
public static class Terminal
{
    public static bool WantsColour(Func<string, string?> environment, bool outputRedirected)
        => !outputRedirected
           && string.IsNullOrEmpty(environment("NO_COLOR"))
           && !string.Equals(environment("TERM"), "dumb", StringComparison.Ordinal);

    public static IAnsiConsole Create(TextWriter? writer = null, bool? colour = null)
    {
        var useColour = colour ?? WantsColour(Environment.GetEnvironmentVariable, Console.IsOutputRedirected);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = useColour ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = useColour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer ?? Console.Out),
        });
        if (writer is not null || Console.IsOutputRedirected)
        {
            console.Profile.Width = 1000; // a log or a test: do not wrap lines
        }
        return console;
    }

    /// <summary>The command learners type: ./build.sh, build.cmd or .\build.ps1 (set by the wrapper that started us).</summary>
    public static string Command => Environment.GetEnvironmentVariable("KATA_COMMAND") is { Length: > 0 } c ? c : "./build.sh";
}
