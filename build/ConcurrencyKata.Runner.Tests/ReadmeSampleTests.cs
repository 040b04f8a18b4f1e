namespace ConcurrencyKata.Runner.Tests;

public sealed class ReadmeSampleTests
{
    private const string Output = """
        Building your code and the judge...
        ConcurrencyKata: 0 of 3 exercises done

          01  One    not started   0/2
          02  Two    not started   0/4
          03  Three  not started   0/1

        Next up: 01 One
          Stuck? hint
        """;

    [Fact]
    public void The_sample_is_the_first_code_block_of_the_readme()
        => ReadmeSample.Of("# Title\n\nWords.\n\n```\nline 1\n  line 2\n```\n\n```\nother\n```\n").Should().Equal("line 1", "  line 2");

    [Theory]
    [InlineData("ConcurrencyKata: 0 of 3 exercises done|...|Next up: 01 One|  Stuck? hint")]
    [InlineData("ConcurrencyKata: 0 of 3 exercises done||  01  One    not started   0/2|...|  Stuck? hint")]
    [InlineData("ConcurrencyKata: 0 of 3 exercises done|...")]
    public void A_sample_with_lines_left_out_as_dots_matches_the_output(string sample)
        => ReadmeSample.Differs(sample.Split('|'), Output).Should().BeNull();

    [Theory]
    [InlineData("ConcurrencyKata: 0 of 6 exercises done|...", "sample line 1 is \"ConcurrencyKata: 0 of 6 exercises done\"; the runner printed \"ConcurrencyKata: 0 of 3 exercises done\"")]
    [InlineData("ConcurrencyKata: 0 of 3 exercises done|...|  02  Two    not started   0/3|...", "is not printed after the lines")]
    [InlineData("ConcurrencyKata: 0 of 3 exercises done|...|Next up: 01 One", "the runner printed more after the sample's last line")]
    [InlineData("ConcurrencyKata: 0 of 3 exercises done|...|  Stuck? hint|  Re-run on save", "the runner printed nothing more")]
    public void A_sample_that_differs_from_the_output_says_where(string sample, string why)
        => ReadmeSample.Differs(sample.Split('|'), Output).Should().Contain(why);
}
