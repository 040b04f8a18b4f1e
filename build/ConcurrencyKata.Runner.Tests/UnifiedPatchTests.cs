namespace ConcurrencyKata.Runner.Tests;

/// <summary>A negative control kept as a diff against its reference is applied exactly, or says where it no longer fits.</summary>
public sealed class UnifiedPatchTests
{
    private const string Reference = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";

    [Fact]
    public void Hunks_change_remove_and_add_lines_where_they_say()
    {
        const string patch = """
            --- a/x.cs
            +++ b/x.cs
            @@ -1,3 +1,4 @@
            +// Mistake: a header
             one
            -two
            +TWO
             three
            @@ -8,3 +9,3 @@
             eight
             nine
            -ten
            +TEN
            """;

        UnifiedPatch.Apply(Reference, patch.Replace("\r\n", "\n") + "\n", "x.cs.patch")
            .Should().Be("// Mistake: a header\none\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nTEN\n");
    }

    [Fact]
    public void A_missing_newline_at_the_end_is_kept_as_the_patch_says()
    {
        const string patch = "@@ -10 +10 @@\n-ten\n+ten, no newline\n\\ No newline at end of file\n";

        UnifiedPatch.Apply(Reference, patch, "p").Should().EndWith("nine\nten, no newline");
        UnifiedPatch.Apply("a\nb", "@@ -1,2 +1,2 @@\n-a\n+A\n b\n\\ No newline at end of file\n", "p").Should().Be("A\nb");
    }

    [Fact]
    public void A_patch_that_no_longer_fits_says_which_hunk_and_line()
    {
        const string patch = "@@ -2,2 +2,2 @@\n two\n-THREE\n+3\n";

        var apply = () => UnifiedPatch.Apply(Reference, patch, "NegativeControls/01/x/Code.cs.patch");

        apply.Should().Throw<KataException>().WithMessage("*Code.cs.patch: hunk 1 does not fit at line 3*expects \"THREE\"*has \"three\"*reference changed*");
    }

    [Fact]
    public void Windows_line_endings_on_either_side_change_nothing()
        => UnifiedPatch.Apply(Reference.Replace("\n", "\r\n"), "@@ -1,2 +1,2 @@\r\n-one\r\n+ONE\r\n two\r\n", "p").Should().StartWith("ONE\ntwo\nthree\n");

    [Theory]
    [InlineData("no hunk at all\n", "no hunk")]
    [InlineData("@@ -1,1 +1,1 @@\n*one\n", "starts with '*'")]
    [InlineData("@@ -40,1 +40,1 @@\n-x\n+y\n", "past the end")]
    public void A_malformed_patch_is_an_error(string patch, string says)
        => FluentActions.Invoking(() => UnifiedPatch.Apply(Reference, patch, "p")).Should().Throw<KataException>().WithMessage($"*{says}*");
}
