using System.Diagnostics;

namespace ConcurrencyKata.Runner;

/// <summary>
/// An implementation the judge runs against: the learner's code, the reference, or the
/// reference with a control's files swapped in (<see cref="ControlKey"/>).
/// </summary>
public sealed record Variant(string Name, string Description, IReadOnlyList<string> Properties, string? ControlKey = null)
{
    public static Variant Exercises { get; } = new("exercises", "your code in exercises/", ["KataImpl=exercises"]);

    public static Variant Solutions { get; } = new("solutions", "the reference solutions", ["KataImpl=solutions"]);

    public static Variant Of(Control control)
        => new(control.Key.Replace('/', '-'), control.Key, [$"KataControl={control.Key}"], control.Key);
}

public sealed record BuildOutcome(bool Succeeded, IReadOnlyList<Diagnostic> Diagnostics, TimeSpan Elapsed)
{
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);
}

/// <summary>Builds the judge against a variant (JudgeBuild.cs) and runs its checks in the judge's own host (JudgeRun.cs), with every wait bounded.</summary>
public sealed partial class Judge(KataRepository repository, bool strict = false)
{
    /// <summary>A test that runs this long is hung: the test host is killed and the test named.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The judge's snapshots are committed. Strict mode makes a missing snapshot a failure
    /// instead of a new snapshot, so a deleted .snap file cannot turn its check green.
    /// </summary>
    private static readonly Dictionary<string, string> SnapshotsAreFixed = new() { ["SNAPSHOOTER_STRICT_MODE"] = "true" };
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(12);

    /// <summary>The judge's assembly built against <paramref name="variant"/>.</summary>
    public string AssemblyPath(Variant variant) => repository.JudgeAssembly(variant.ControlKey is null ? variant.Name : SwappedFolder);

    /// <summary>Where the checks' timelines of the last full run against <paramref name="variant"/> are kept (JSON lines, one per scenario), for the HTML report.</summary>
    public string TimelinesFile(Variant variant) => repository.TimelinesFile(variant.Name);

    /// <summary>Where the judge's host writes the outcomes of a run against <paramref name="variant"/> (JSON lines).</summary>
    public string ResultsFile(Variant variant) => repository.ResultsFile(variant.Name);
}
