namespace ConcurrencyKata.Runner.Tests;

public sealed class RepositoryTests
{
    [Fact]
    public void Exercises_are_found_in_order_with_their_titles()
    {
        using var kata = new TempKata().Exercise("02-bounded-gather", "02 · Bounded").Exercise("01-async-gather", "01 · Gather");
        kata.Write("exercises/notes/README.md", "not an exercise");

        var exercises = kata.Repository.Exercises;

        exercises.Select(e => e.Id).Should().Equal("01-async-gather", "02-bounded-gather");
        exercises[0].Title.Should().Be("Gather", "the number has a column of its own");
        exercises[0].TestNamespace.Should().Be("ConcurrencyKata.Tests.Ex01");
        exercises[0].Owns("ConcurrencyKata.Tests.Ex01.AsyncGatherTests").Should().BeTrue();
        exercises[0].Owns("ConcurrencyKata.Tests.Ex010.Other").Should().BeFalse();
    }

    [Theory]
    [InlineData("1")]
    [InlineData("01")]
    [InlineData("async-gather")]
    [InlineData("01-async-gather")]
    [InlineData("exercises/01-async-gather/")]
    public void An_exercise_can_be_named_several_ways(string name)
    {
        using var kata = new TempKata().Exercise("01-async-gather", "Gather");

        kata.Repository.Resolve(name).Id.Should().Be("01-async-gather");
    }

    [Fact]
    public void An_unknown_exercise_lists_the_known_ones()
    {
        using var kata = new TempKata().Exercise("01-async-gather", "Gather");

        var act = () => kata.Repository.Resolve("7");

        act.Should().Throw<KataException>().WithMessage("*No exercise '7'*01*");
    }

    [Fact]
    public void Negative_controls_and_alternative_solutions_are_found_with_their_summary()
    {
        using var kata = new TempKata().Exercise("01-async-gather", "Gather")
            .Control("01-async-gather", "sequential-await", "awaits each fetch in turn")
            .Alternative("01-async-gather", "linq", "Task.WhenAll over Select");

        var control = kata.Repository.Controls(ControlKind.Negative).Should().ContainSingle().Subject;
        var alternative = kata.Repository.Controls(ControlKind.Alternative).Should().ContainSingle().Subject;

        control.Key.Should().Be("NegativeControls/01-async-gather/sequential-await");
        control.Summary.Should().Be("awaits each fetch in turn");
        Variant.Of(control).Properties.Should().Equal("KataControl=NegativeControls/01-async-gather/sequential-await");
        Variant.Of(control).Name.Should().Be("NegativeControls-01-async-gather-sequential-await", "the judge's bin/obj folder for it");
        alternative.Key.Should().Be("AlternativeSolutions/01-async-gather/linq");
        alternative.Summary.Should().Be("Task.WhenAll over Select");
    }

    [Fact]
    public void The_stub_manifest_tells_untouched_from_changed_and_ignores_line_endings()
    {
        using var kata = new TempKata().Exercise("01-async-gather", "Gather", stub: "line one\nline two\n");
        var repository = kata.Repository;
        var manifest = StubManifest.Compute(repository);
        File.WriteAllText(repository.StubManifestPath, manifest.Serialize());
        var exercise = repository.Exercises[0];

        StubManifest.Load(repository.StubManifestPath).IsPristine(exercise).Should().BeTrue();

        kata.Write("exercises/01-async-gather/Code.cs", "line one\r\nline two\r\n");
        StubManifest.Load(repository.StubManifestPath).IsPristine(exercise).Should().BeTrue("CRLF checkouts are still untouched");

        kata.Write("exercises/01-async-gather/Code.cs", "line one\nmy attempt\n");
        StubManifest.Load(repository.StubManifestPath).IsPristine(exercise).Should().BeFalse();
        StubManifest.Load(repository.StubManifestPath).Differences(StubManifest.Compute(repository)).Should().Equal("01-async-gather/Code.cs");

        kata.Write("exercises/01-async-gather/Code.cs", "line one\nline two\n");
        kata.Write("exercises/01-async-gather/Helper.cs", "class Helper {}");
        StubManifest.Load(repository.StubManifestPath).IsPristine(exercise).Should().BeFalse("an added file is a change too");
    }
}
