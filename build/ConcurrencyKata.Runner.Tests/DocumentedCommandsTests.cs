namespace ConcurrencyKata.Runner.Tests;

public sealed class DocumentedCommandsTests
{
    [Theory]
    [InlineData("./build.sh test --exercise=01     # or: ./build.sh watch --exercise=01", "test --exercise=01|watch --exercise=01")]
    [InlineData("run `./build.sh hint --exercise 03` again", "hint --exercise 03")]
    [InlineData("`./build.sh test` judges only what needs judging", "test")]
    [InlineData("ConcurrencyKata.sln   build.sh  build.cmd  build.ps1", "")]
    [InlineData("`powershell -File .\\build.ps1 test --all`, or `build.cmd compare --exercise=NN --force`", "test --all|compare --exercise=NN --force")]
    public void Command_lines_are_read_from_code_spans_and_blocks_up_to_a_comment_or_prose(string markdown, string expected)
    {
        var found = DocumentedCommands.Snippets(markdown.Contains('`') ? markdown : $"```\n{markdown}\n```")
            .SelectMany(s => DocumentedCommands.CommandLines(s.Text)).Select(a => string.Join(' ', a));

        found.Should().Equal(expected.Split('|'));
    }

    [Theory]
    [InlineData("bench --smoke", "Unknown parameter '--smoke' for bench")]
    [InlineData("tset", "Unknown target 'tset'")]
    [InlineData("hint --exrcise=01", "Did you mean --exercise?")]
    [InlineData("report --solutions=yes", "is a flag")]
    public void A_documented_command_the_runner_would_refuse_is_reported_in_its_words(string line, string why)
        => DocumentedCommands.Refusal(line.Split(' ')).Should().Contain(why);

    [Theory]
    [InlineData("hint --exercise=NN --level=N")]
    [InlineData("ci --exercise 13")]
    [InlineData("")]
    public void Placeholders_and_real_values_are_accepted(string line)
        => DocumentedCommands.Refusal(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Should().BeNull();

    [Fact]
    public void A_document_naming_a_parameter_no_target_has_fails_with_its_line()
    {
        using var kata = new TempKata();
        var doc = Path.Combine(kata.Root, "README.md");
        File.WriteAllText(doc, "# Kata\n\nRun `./build.sh test`.\nThe bench runs with `--smoke` in ci.\nAnd `./build.sh bench --quick`.\n");

        var check = DocumentedCommands.Check(kata.Repository, [doc]).Single();

        check.Ok.Should().BeFalse();
        check.WhyNot.Should().Be("line 4: `--smoke` is not a parameter of any target (see ./build.sh help)");

        File.WriteAllText(doc, "# Kata\n\nRun `./build.sh test`, then `./build.sh hint --exercise=01 --level=2`.\n");
        DocumentedCommands.Check(kata.Repository, [doc]).Should().ContainSingle().Which.Should().Be(
            new CourseCheck(true, "the 2 command lines shown in 1 documents (README, docs/, exercises, controls' maps) are targets and parameters the runner has"));
    }
}
