namespace ConcurrencyKata.Runner.Tests;

/// <summary>The runner alone parses the command line the entry scripts pass on untouched: every form of a parameter, and the errors for the rest.</summary>
public sealed class CommandLineTests
{
    private static (KataCommand Command, Options Options) Parse(params string[] args) => CommandLine.Parse(args, Commands.All, Commands.Default);

    private static string Error(params string[] args)
    {
        var parse = () => Parse(args);
        return parse.Should().Throw<KataException>().Which.Message;
    }

    [Theory]
    [InlineData("test", "--exercise=01")]
    [InlineData("test", "--exercise", "01")]
    [InlineData("TEST", "--Exercise=01")]
    [InlineData("--exercise=01")]
    [InlineData("--exercise", "01")]
    public void An_exercise_is_named_in_either_form_with_or_without_the_default_target(params string[] args)
    {
        var (command, options) = Parse(args);

        command.Should().BeOfType<TestCommand>();
        options.Get("exercise").Should().Be("01");
    }

    [Fact]
    public void No_arguments_run_the_default_target()
    {
        Parse().Command.Should().BeSameAs(Commands.Default);
        Commands.Default.Name.Should().Be("test");
    }

    [Fact]
    public void Flags_and_values_of_one_command_mix_in_any_order()
    {
        var (command, options) = Parse("hint", "--level", "2", "--exercise=03");

        command.Should().BeOfType<HintCommand>();
        options.Get("level").Should().Be("2");
        options.Get("exercise").Should().Be("03");

        var compare = Parse("compare", "--force", "--exercise", "02").Options;
        compare.Flag("force").Should().BeTrue();
        compare.Get("exercise").Should().Be("02");
        Parse("test", "--all").Options.Flag("all").Should().BeTrue();
        Parse("test").Options.Flag("all").Should().BeFalse();
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_is_found_the_usual_ways(string arg) => Parse(arg).Command.Should().BeOfType<HelpCommand>();

    [Fact]
    public void A_misspelt_parameter_is_an_error_that_names_the_closest_real_one()
    {
        Error("test", "--exrcise=01").Should().Contain("Unknown parameter '--exrcise' for test").And.Contain("Did you mean --exercise?").And.Contain("--exercise=NN");
        Error("--exrcise", "01").Should().Contain("Did you mean --exercise?");
        Error("hint", "--levle=2").Should().Contain("Did you mean --level?");
    }

    [Fact]
    public void A_parameter_the_command_does_not_take_is_an_error_even_if_another_command_takes_it()
    {
        Error("list", "--exercise=01").Should().Contain("Unknown parameter '--exercise' for list").And.Contain("no parameters");
        Error("test", "--quick").Should().Contain("Unknown parameter '--quick' for test");
    }

    [Fact]
    public void A_misspelt_target_names_the_closest_real_one()
        => Error("tset").Should().Contain("Unknown target 'tset'").And.Contain("Did you mean test?").And.Contain("help");

    [Fact]
    public void Values_flags_and_stray_words_are_checked()
    {
        Error("test", "--exercise").Should().Contain("--exercise needs a value");
        Error("test", "--exercise=").Should().Contain("--exercise needs a value");
        Error("compare", "--force=yes").Should().Contain("--force is a flag");
        Error("test", "--exercise=01", "--exercise=02").Should().Contain("given twice");
        Error("test", "01").Should().Contain("Unexpected '01'");
        Error("--exercise=01", "test").Should().Contain("'test' is a target: it comes first");
    }

    [Fact]
    public void Every_declared_parameter_of_every_command_parses_in_both_forms()
    {
        foreach (var command in Commands.All)
        {
            foreach (var parameter in command.Parameters)
            {
                if (parameter.IsFlag)
                {
                    Parse(command.Name, $"--{parameter.Name}").Options.Flag(parameter.Name).Should().BeTrue();
                    continue;
                }
                Parse(command.Name, $"--{parameter.Name}=v").Options.Get(parameter.Name).Should().Be("v");
                Parse(command.Name, $"--{parameter.Name}", "v").Options.Get(parameter.Name).Should().Be("v");
            }
        }
    }

    [Fact]
    public void A_misspelt_parameter_stops_the_command_before_it_runs()
    {
        using var kata = new TempKata().Exercise("01-a", "A");
        var writer = new StringWriter();

        var code = Commands.Run(["test", "--exrcise=01"], Terminal.Create(writer, colour: false), kata.Root);

        code.Should().Be(2);
        writer.ToString().Should().Contain("Did you mean --exercise?").And.NotContain("Building");
    }
}

/// <summary>The entry scripts parse nothing (EntryScripts): the rules hold for this repository's scripts, and each rule can fail.</summary>
public sealed class EntryScriptTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, KataRepository.SolutionFile)))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("not inside the kata");
    }

    [Fact]
    public void The_repositorys_entry_scripts_pass_their_arguments_on()
        => EntryScripts.Check(RepositoryRoot()).Should().OnlyContain(c => c.Ok);

    [Theory]
    [InlineData("build.cmd", "%*", "%1 %2")]
    [InlineData("build.cmd", "powershell -NoProfile", "pwsh -NoProfile")]
    [InlineData("build.sh", "\"$@\"", "\"${args[@]}\"")]
    [InlineData("build.ps1", "@KataArguments", "$target @rest")]
    [InlineData("build.sh", "'^10\\.'", "'^8\\.'")]
    public void A_script_that_parses_or_drops_arguments_is_caught(string script, string from, string to)
    {
        using var kata = new TempKata();
        foreach (var name in new[] { "build.sh", "build.ps1", "build.cmd" })
        {
            File.Copy(Path.Combine(RepositoryRoot(), name), Path.Combine(kata.Root, name));
        }
        var path = Path.Combine(kata.Root, script);
        File.WriteAllText(path, File.ReadAllText(path).Replace(from, to, StringComparison.Ordinal));

        EntryScripts.Check(kata.Root).Should().Contain(c => !c.Ok);
    }
}
