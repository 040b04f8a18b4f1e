namespace ConcurrencyKata.Runner.Tests;

public sealed class ChecksTableTests
{
    private const string Readme = """
        # 01 · Gather

        ## What the checks look for

        Some words first.

        | check | how it is measured |
        |---|---|
        | Every fetch is started before any is awaited | a gate |
        | The caller's token reaches `every` fetch | cancelled |
        | **No keys** gives an empty list | none |

        How the judge makes this reliable: rounds.

        | case | another table |
        |---|---|
        | Not a check | ignored |

        ## Run it
        """;

    private static readonly string[] Methods = ["Every_fetch_is_started_before_any_is_awaited", "The_callers_token_reaches_every_fetch", "No_keys_gives_an_empty_list"];

    private static CourseCheck Compare(string readme, IReadOnlyList<string> methods)
    {
        using var kata = new TempKata().Exercise("01-async-gather", "01 · Gather");
        return ChecksTable.Compare(kata.Repository.Exercises[0], readme, methods);
    }

    [Fact]
    public void The_first_table_under_the_heading_is_read_and_its_rows_name_the_checks_as_sentences()
    {
        ChecksTable.Rows(Readme).Should().Equal("Every fetch is started before any is awaited", "The caller's token reaches `every` fetch", "**No keys** gives an empty list");

        Compare(Readme, Methods).Ok.Should().BeTrue();
    }

    [Theory]
    [InlineData("| **No keys** gives an empty list | none |\n", "", "a check missing from the table: no keys gives an empty list")]
    [InlineData("| **No keys** gives an empty list | none |\n", "| No keys gives an empty list | none |\n| Something else | x |\n", "a row with no check: \"Something else\"")]
    [InlineData("| **No keys** gives an empty list | none |\n", "| No keys gives an empty list | none |\n| No keys gives an empty list | again |\n", "a row given twice")]
    [InlineData("| Every fetch is started before any is awaited | a gate |\n", "", "a check missing from the table: every fetch")]
    [InlineData("| **No keys** gives an empty list | none |\n", "| No keys gives an empty list, fast | none |\n", "a row with no check")]
    public void A_table_that_differs_from_the_checks_is_refused_and_says_how(string from, string to, string why)
    {
        var readme = Readme.Replace(from, to, StringComparison.Ordinal);

        var check = Compare(readme, Methods);

        check.Ok.Should().BeFalse();
        check.WhyNot.Should().Contain(why);
    }

    [Fact]
    public void Rows_in_another_order_than_the_checks_are_refused_naming_the_first_difference()
    {
        var check = Compare(Readme, [Methods[1], Methods[0], Methods[2]]);

        check.Ok.Should().BeFalse();
        check.WhyNot.Should().Contain("a different order: row 1 is \"Every fetch is started before any is awaited\", the judge's check number 1 is \"the callers token reaches every fetch\"");
    }

    [Fact]
    public void A_readme_without_the_table_is_refused()
        => Compare("# 01 · Gather\n\n## What the checks look for\n\nOnly words.\n", Methods).WhyNot.Should().Contain("has no table");
}

public sealed class PlatformTableTests
{
    [Fact]
    public void The_readme_table_must_hold_exactly_the_checks_marked_with_a_platform_limit_in_their_words()
    {
        using var kata = new TempKata().Exercise("05-event-loop", "05 · Loop").Exercise("11-child", "11 · Child");
        var (ex05, ex11) = (kata.Repository.Exercises[0], kata.Repository.Exercises[1]);
        TestOutcome Check(string method, int order, string? limit) => new($"{ex05.TestNamespace}.T", method, Outcome.Passed, "", "", TimeSpan.Zero) { Order = order, PlatformLimit = limit };
        var expected = PlatformTable.Expected(
        [
            (ex05, [Check("Later", 9, "Windows: skipped: no probe"), Check("An_idle_loop_sleeps", 2, "macOS, Windows: judged by CPU only"), Check("Plain", 1, null)]),
            (ex11, []),
        ]);

        expected.Should().Equal("| 05 | An idle loop sleeps | macOS, Windows | judged by CPU only |", "| 05 | Later | Windows | skipped: no probe |");
        var readme = $"# Kata\n\n{PlatformTable.Heading}\n\nWords.\n\n{PlatformTable.Header}\n|---|---|---|---|\n{string.Join("\n", expected)}\n\nMore words.\n";
        PlatformTable.Compare(readme, expected).Ok.Should().BeTrue();
        var stale = PlatformTable.Compare(readme.Replace("judged by CPU only", "judged by CPU time only", StringComparison.Ordinal), expected);
        stale.Ok.Should().BeFalse();
        stale.WhyNot.Should().Contain("differs").And.Contain("| 05 | An idle loop sleeps | macOS, Windows | judged by CPU only |");
        PlatformTable.Compare("# Kata\n", expected).WhyNot.Should().Contain("has no table");
    }
}
