using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner.Tests;

/// <summary>The runner ↔ judge host contract (tests/ConcurrencyKata.Tests/Host/HostContract.cs): what one side writes, the other reads back unchanged.</summary>
public sealed class ContractTests
{
    [Fact]
    public void A_host_request_survives_its_command_line()
    {
        var request = new HostRequest("/r/results.jsonl", ["ConcurrencyKata.Tests.Ex01.", "ConcurrencyKata.Tests.Ex02."], ["ConcurrencyKata.Tests.Ex03."],
            StopAtFirstFailure: true, HangTimeout: TimeSpan.FromSeconds(45), OrderBy: "/r/earlier.jsonl", First: ["A_check", "Another"], Timelines: "/r/t.jsonl");

        var read = HostRequest.Parse(request.ToArguments(), out var error);

        error.Should().BeNull();
        read.Should().BeEquivalentTo(request);
        HostRequest.Parse(["--results", "x", "--unknown"], out error).Should().BeNull();
        error.Should().Contain("unknown argument '--unknown'").And.Contain(HostRequest.Usage);
        HostRequest.Parse(["--namespace", "X."], out error).Should().BeNull();
        error.Should().Contain("--results FILE is required");
    }

    [Fact]
    public void A_check_event_survives_its_json_line()
    {
        var failed = new CheckEvent(CheckEventKind.Failed, new CheckId("ConcurrencyKata.Tests.Ex06.PipelineTests", "Rejects", "capacity: 0, consumers: 2"),
            "Expected a rejection.\nObserved: none.", "System.InvalidOperationException", "at X.Y()", 0.25, Order: 7);
        var listed = new CheckEvent(CheckEventKind.Listed, new CheckId("C", "M"));

        CheckEvent.FromJson(failed.ToJson()).Should().Be(failed);
        CheckEvent.FromJson(listed.ToJson()).Should().Be(listed);
        failed.ToJson().Should().Contain("\"event\":\"failed\"").And.NotContain("\n");
        CheckEvent.FromJson("""{"event":"passed","check":{"cla""").Should().BeNull("a line cut short by a killed host is skipped");
    }

    [Fact]
    public void A_scenario_timeline_survives_its_json_line()
    {
        using var kata = new TempKata();
        var file = Path.Combine(kata.Root, "timelines.jsonl");
        var timeline = new ScenarioTimeline(new CheckId("C", "M", "n: 1"), "parallel", "Parallel", 3, [new TimelineSpan("x", "T3", 0.5, 2, false, true)]);
        File.WriteAllText(file, timeline.ToJson() + "\n{\"check\":");

        var read = ScenarioTimeline.ReadAll(file);

        read.Should().ContainSingle().Which.Should().BeEquivalentTo(timeline);
    }

    [Fact]
    public void The_runners_outcomes_carry_the_check_id_the_timelines_are_filed_under()
    {
        var outcome = HostResultsReader.Parse([new CheckEvent(CheckEventKind.Passed, new CheckId("C", "Limits", "n: 1"), Seconds: 1)]).Outcomes.Single();

        outcome.Id.Should().Be(new CheckId("C", "Limits", "n: 1"));
        outcome.Check.Should().Be("limits (n: 1)");
    }

    [Fact]
    public void Checks_are_listed_in_the_order_their_methods_are_declared_not_by_name()
    {
        var events = new[]
        {
            new CheckEvent(CheckEventKind.Passed, new CheckId("C", "A_late_check"), Order: 9),
            new CheckEvent(CheckEventKind.Failed, new CheckId("C", "Zero_is_first", "n: 2"), Order: 3),
            new CheckEvent(CheckEventKind.Failed, new CheckId("C", "Zero_is_first", "n: 1"), Order: 3),
            new CheckEvent(CheckEventKind.Passed, new CheckId("C", "Middle"), Order: 5),
        };

        var ordered = Grading.InOrder(HostResultsReader.Parse(events).Outcomes).Select(o => o.Check);

        ordered.Should().Equal("zero is first (n: 1)", "zero is first (n: 2)", "middle", "a late check");
    }
}
