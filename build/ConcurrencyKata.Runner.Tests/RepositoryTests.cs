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
        Variant.Of(control).Name.Should().Be("NegativeControls-01-async-gather-sequential-await", "the folder of its results");
        var judge = new Judge(kata.Repository);
        judge.AssemblyPath(Variant.Of(control)).Should().Be(judge.AssemblyPath(Variant.Of(alternative)), "every control runs from one copy of the reference judge")
            .And.Contain($"{Path.DirectorySeparatorChar}swapped{Path.DirectorySeparatorChar}");
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

public sealed class CourseTests
{
    private static TempKata Complete()
        => new TempKata().Exercise("01-async-gather", "Gather").Exercise("02-bounded-gather", "Bounded", track: "threads")
            .Control("01-async-gather", "one", "wrong one").Control("01-async-gather", "two", "wrong two").Alternative("01-async-gather", "alt", "right")
            .Control("02-bounded-gather", "one", "wrong one").Control("02-bounded-gather", "two", "wrong two").Alternative("02-bounded-gather", "alt", "right")
            .WithReadmeTable();

    private static IReadOnlyList<CourseCheck> Failures(TempKata kata) => CourseChecks.Run(kata.Repository).Where(c => !c.Ok).ToList();

    [Theory]
    [InlineData("solutions\\\\ConcurrencyKata.Solutions.csproj", "holds answers or the judge")]
    [InlineData("support\\\\Missing.csproj", "is not in ConcurrencyKata.sln")]
    public void A_learner_solution_filter_that_opens_the_answers_or_names_a_stray_project_fails(string project, string why)
    {
        using var kata = Complete();
        kata.Write(CourseChecks.LearnerFilter, $"{{ \"solution\": {{ \"path\": \"ConcurrencyKata.sln\", \"projects\": [ \"exercises\\\\ConcurrencyKata.Exercises.csproj\", \"{project}\" ] }} }}");
        File.AppendAllText(Path.Combine(kata.Root, KataRepository.SolutionFile), "Project(\"{X}\") = \"S\", \"solutions\\ConcurrencyKata.Solutions.csproj\", \"{Y}\"\n");

        Failures(kata).Should().ContainSingle().Which.WhyNot.Should().Contain(why);
    }

    [Fact]
    public void A_control_kept_as_a_patch_says_what_it_is_and_fails_by_name_when_the_reference_moves_under_it()
    {
        using var kata = Complete();
        kata.Write("solutions/01-async-gather/Code.cs", "class Solution\n{\n    int x = 1;\n}\n");
        kata.Write("tests/NegativeControls/01-async-gather/patched/Code.cs.patch",
            "--- a/solutions/01-async-gather/Code.cs\n+++ b/tests/NegativeControls/01-async-gather/patched/Code.cs\n" +
            "@@ -1,4 +1,6 @@\n+// Mistake: two, not one\n+// Caught by: Some_check\n class Solution\n {\n-    int x = 1;\n+    int x = 2;\n }\n");
        var control = kata.Repository.Controls(ControlKind.Negative).Single(c => c.Name == "patched");

        control.Summary.Should().Be("two, not one");
        control.CaughtBy.Should().Equal("Some_check");
        control.Files.Should().Equal("Code.cs");
        Failures(kata).Should().NotContain(f => f.What.Contains("fits the reference", StringComparison.Ordinal));

        kata.Write("solutions/01-async-gather/Code.cs", "class Solution\n{\n    int x = 3;\n}\n");

        Failures(kata).Should().Contain(f => f.What.Contains("NegativeControls/01-async-gather/patched: its patch Code.cs.patch fits the reference", StringComparison.Ordinal)
                                             && f.WhyNot!.Contains("hunk 1 does not fit at line 3", StringComparison.Ordinal));
    }

    [Fact]
    public void The_manifest_declares_exercises_with_their_track_files_and_test_namespace()
    {
        using var kata = new TempKata().Exercise("01-async-gather", "Gather").Exercise("07-thread-workers", "Workers", track: "threads", files: ["Workers.cs", "Worker/Program.cs"]);

        var exercises = kata.Repository.Exercises;

        exercises.Select(e => e.Id).Should().Equal("01-async-gather", "07-thread-workers");
        exercises[1].Track.Title.Should().Be("Threads");
        exercises[1].Files.Should().Equal("Workers.cs", "Worker/Program.cs");
        exercises[1].TestNamespace.Should().Be("ConcurrencyKata.Tests.Ex07");
        exercises[1].FilesOnDisk().Should().Equal("Worker/Program.cs", "Workers.cs");
    }

    [Theory]
    [InlineData("{ \"tracks\": [{ \"id\": \"async\", \"title\": \"A\" }], \"exercises\": [{ \"id\": \"1\", \"slug\": \"a\", \"title\": \"A\", \"track\": \"async\", \"files\": [\"A.cs\"], \"tests\": \"ConcurrencyKata.Tests.Ex01\" }] }", "two digits")]
    [InlineData("{ \"tracks\": [{ \"id\": \"async\", \"title\": \"A\" }], \"exercises\": [{ \"id\": \"01\", \"slug\": \"a\", \"title\": \"A\", \"track\": \"gil\", \"files\": [\"A.cs\"], \"tests\": \"ConcurrencyKata.Tests.Ex01\" }] }", "track \"gil\"")]
    [InlineData("{ \"tracks\": [{ \"id\": \"async\", \"title\": \"A\" }], \"exercises\": [{ \"id\": \"01\", \"slug\": \"a\", \"title\": \"A\", \"track\": \"async\", \"files\": [\"../A.cs\"], \"tests\": \"ConcurrencyKata.Tests.Ex01\" }] }", "relative path")]
    [InlineData("{ \"tracks\": [", "not valid JSON")]
    public void A_broken_manifest_is_reported_with_what_is_wrong(string json, string complaint)
    {
        using var kata = new TempKata();
        kata.Write("exercises/course.json", json);

        var act = () => kata.Repository;

        act.Should().Throw<KataException>().WithMessage($"*{complaint}*");
    }

    [Fact]
    public void A_complete_course_passes_every_structural_check()
    {
        using var kata = Complete();

        Failures(kata).Should().BeEmpty();
    }

    [Fact]
    public void A_control_without_its_mistake_line_fails_naming_it()
    {
        using var kata = Complete();
        kata.Write("tests/NegativeControls/01-async-gather/two/Code.cs", "class Wrong {}\n");

        Failures(kata).Should().ContainSingle().Which.What.Should().Contain("NegativeControls/01-async-gather/two").And.Contain("// Mistake:");
    }

    [Fact]
    public void A_control_names_the_checks_meant_to_catch_it_and_each_must_be_a_test_method_of_its_exercise()
    {
        using var kata = Complete();
        kata.Write("tests/ConcurrencyKata.Tests/Ex01/GatherTests.cs", "public class GatherTests { [Fact] public void Every_fetch_starts() {} [Fact] public async Task Fails_fast() {} }\n");
        kata.Write("tests/NegativeControls/01-async-gather/two/Code.cs", "// Mistake: awaits each\n// Caught by: Every_fetch_starts, Fails_fast, No_such_check\nclass Wrong {}\n");

        var control = kata.Repository.Controls(ControlKind.Negative).Single(c => c.Name == "two" && c.Exercise.Id == "01-async-gather");

        control.CaughtBy.Should().Equal("Every_fetch_starts", "Fails_fast", "No_such_check");
        control.Summary.Should().Be("awaits each");
        Failures(kata).Should().ContainSingle().Which.WhyNot.Should().Contain("No_such_check").And.NotContain("Fails_fast");
    }

    /// <summary>Exercise 01's control "two", declared as caught by its one check, Every_fetch_starts.</summary>
    private static Control ControlCaughtByEveryFetchStarts(TempKata kata)
    {
        kata.Write("tests/ConcurrencyKata.Tests/Ex01/GatherTests.cs", "public class GatherTests { [Fact] public void Every_fetch_starts() {} }\n");
        kata.Write("tests/NegativeControls/01-async-gather/two/Code.cs", "// Mistake: awaits each\n// Caught by: Every_fetch_starts\nclass Wrong {}\n");
        return kata.Repository.Controls(ControlKind.Negative).Single(c => c.Name == "two" && c.Exercise.Id == "01-async-gather");
    }

    [Fact]
    public void A_control_rejected_by_another_check_than_its_caught_by_line_names_it_is_noted()
    {
        using var kata = Complete();
        var control = ControlCaughtByEveryFetchStarts(kata);
        TestOutcome Failed(string method) => new("ConcurrencyKata.Tests.Ex01.GatherTests", method, Outcome.Failed, "", "", TimeSpan.Zero);

        CiPipeline.NotCaughtWhereDeclared(control, [Failed("Every_fetch_starts")]).Should().BeEmpty();
        CiPipeline.NotCaughtWhereDeclared(control, [Failed("Something_else")]).Should().Contain("let it through").And.Contain("every fetch starts");
    }

    [Fact]
    public void A_control_is_run_again_only_when_the_check_meant_to_catch_it_skipped_itself()
    {
        using var kata = Complete();
        var control = ControlCaughtByEveryFetchStarts(kata);
        TestRun Run(string method, Outcome outcome) => new([new("ConcurrencyKata.Tests.Ex01.GatherTests", method, outcome, "", "", TimeSpan.Zero)], []);

        CiPipeline.SkippedItsCheck(control, Run("Every_fetch_starts", Outcome.Skipped)).Should().BeTrue();
        CiPipeline.SkippedItsCheck(control, Run("Every_fetch_starts", Outcome.Passed)).Should().BeFalse("a check that ran and passed let it through: running it again would only hide that");
        CiPipeline.SkippedItsCheck(control, Run("Something_else", Outcome.Skipped)).Should().BeFalse("only its own check's skip is a reason");
    }

    [Fact]
    public void An_exercise_with_one_negative_control_fails_naming_it()
    {
        using var kata = Complete();
        Directory.Delete(Path.Combine(kata.Root, "tests/NegativeControls/02-bounded-gather/two"), recursive: true);

        Failures(kata).Should().ContainSingle().Which.What.Should().Be("02-bounded-gather: at least 2 negative controls");
    }

    [Fact]
    public void Missing_headings_hints_references_foreign_files_and_a_stale_readme_table_are_each_reported()
    {
        using var kata = Complete();
        kata.Write("exercises/01-async-gather/README.md", "# Gather\n");
        kata.Write("exercises/02-bounded-gather/HINTS.md", "# Hints\n\nno sections\n");
        File.Delete(Path.Combine(kata.Root, "solutions/02-bounded-gather/Code.cs"));
        kata.Control("01-async-gather", "three", "wrong three", file: "Other.cs");
        kata.Write("tests/AlternativeSolutions/09-gone/alt/Code.cs", "// Approach: orphan\n");
        kata.Write("README.md", "| # | exercise |\n|---|---|\n| 01 | [Gather](exercises/01-async-gather/README.md) | x |\n");

        Failures(kata).Select(f => f.What).Should().BeEquivalentTo(
            "01-async-gather: README.md starts with \"# 01 · Gather\"",
            "02-bounded-gather: HINTS.md has hint sections ## 1, ## 2, ...",
            "02-bounded-gather: solutions/02-bounded-gather/ holds a reference for exactly the learner's files",
            "NegativeControls/01-async-gather/three: replaces only files the exercise has",
            "tests/AlternativeSolutions/09-gone/ belongs to a declared exercise",
            "README.md's exercise table matches exercises/course.json");
    }

    [Fact]
    public void A_snapshot_a_test_needs_must_exist()
    {
        using var kata = Complete();
        kata.Write("tests/ConcurrencyKata.Tests/ConcurrencyKata.Tests.csproj", "<Project />");
        kata.Write("tests/ConcurrencyKata.Tests/Ex01/GatherTests.cs",
            "public sealed class GatherTests\n{\n    [Fact]\n    public void Turns_alternate()\n    {\n        Snapshot.Match(new { });\n    }\n}\n");

        Failures(kata).Should().ContainSingle().Which.What.Should().Be("snapshot for GatherTests.Turns_alternate exists");

        kata.Write("tests/ConcurrencyKata.Tests/Ex01/__snapshots__/GatherTests.Turns_alternate.snap", "{}");
        Failures(kata).Should().BeEmpty();
    }
}
