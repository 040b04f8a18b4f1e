// ConcurrencyKata build script (Cake). Kept thin on purpose: the grading, reporting and CI
// logic lives in build/ConcurrencyKata.Runner (C#, with its own tests); this file wires targets
// to it and does the plain build work.
//
//   ./build.sh [target] [--exercise=NN] [--level=N] [--force]
//
var target = Argument("target", "test");
var exercise = Argument("exercise", "");
var level = Argument("level", "");
var force = HasArgument("force");

var root = MakeAbsolute(Directory(".."));
var runnerProject = root.CombineWithFilePath("build/ConcurrencyKata.Runner/ConcurrencyKata.Runner.csproj");
var runnerDll = root.CombineWithFilePath("build/ConcurrencyKata.Runner/bin/Debug/net10.0/kata.dll");
var judgeProject = root.CombineWithFilePath("tests/ConcurrencyKata.Tests/ConcurrencyKata.Tests.csproj");
var exitCode = 0;

// Runs the kata runner with the console attached (so colours and Ctrl+C work) and remembers its exit code.
void Kata(string command, params string[] extra)
{
    var args = new ProcessArgumentBuilder().Append(runnerDll.FullPath).Append(command);
    if (!string.IsNullOrEmpty(exercise)) args.Append("--exercise=" + exercise);
    foreach (var e in extra) args.Append(e);
    exitCode = StartProcess("dotnet", new ProcessSettings { Arguments = args, WorkingDirectory = root });
}

// Builds quietly: MSBuild's output is shown only when the build fails.
void BuildQuietly(FilePath project, bool strict = false)
{
    var args = new ProcessArgumentBuilder()
        .Append("build").AppendQuoted(project.FullPath).Append("-nologo").Append("-v:q")
        .Append("-p:TreatWarningsAsErrors=" + (strict ? "true" : "false"));
    var code = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = args,
        WorkingDirectory = root,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    }, out var output, out var errors);
    if (code != 0)
    {
        foreach (var line in output.Concat(errors)) Console.WriteLine(line);
        throw new CakeException(code, $"Building {root.GetRelativePath(project)} failed (exit code {code}).");
    }
}

Task("runner")
    .Description("Builds the kata runner that grades and reports (with warnings as errors under ci).")
    .Does(() => BuildQuietly(runnerProject, strict: target == "ci"));

Task("test")
    .Description("Grades your exercises: progress, then the first unfinished one. --exercise=NN focuses on one.")
    .IsDependentOn("runner")
    .Does(() => Kata("grade"));

Task("watch")
    .Description("Re-runs the checks whenever you save a file in exercises/. --exercise=NN focuses on one.")
    .IsDependentOn("runner")
    .Does(() => Kata("watch"));

Task("hint")
    .Description("Shows one more hint for --exercise=NN each time (or up to --level=N).")
    .IsDependentOn("runner")
    .Does(() => Kata("hint", string.IsNullOrEmpty(level) ? Array.Empty<string>() : new[] { "--level=" + level }));

Task("compare")
    .Description("Diffs your files for --exercise=NN against the reference, once it passes (--force to look anyway).")
    .IsDependentOn("runner")
    .Does(() => Kata("compare", force ? new[] { "--force" } : Array.Empty<string>()));

Task("solutions-branch")
    .Description("Creates/refreshes a local branch 'solutions' with the reference code in exercises/ (git diff solutions).")
    .IsDependentOn("runner")
    .Does(() => Kata("solutions-branch"));

Task("ci")
    .Description("Maintainers: strict build; solutions pass, stubs fail, negative controls are rejected.")
    .IsDependentOn("runner")
    .Does(() => Kata("ci")); // the runner builds every other project with warnings as errors, and reports a failure as a check

Task("lock-stubs")
    .Description("Maintainers: records the stubs' hashes in exercises/stubs.sha256 after changing a stub.")
    .IsDependentOn("runner")
    .Does(() => Kata("lock-stubs"));

// Only the reference solutions are measured: instrumenting the support project's CPU loops
// (CpuWork.Spin) would slow them down so much that the timing checks could not pass.
Task("coverage")
    .Description("Runs the judge against the reference solutions with coverlet and prints a summary.")
    .IsDependentOn("runner")
    .Does(() =>
    {
        var results = root.Combine(".kata/coverage");
        CleanDirectory(results);
        DotNetTest(judgeProject.FullPath, new DotNetTestSettings
        {
            NoLogo = true,
            Verbosity = DotNetVerbosity.Quiet,
            Collectors = new[] { "XPlat Code Coverage" },
            ResultsDirectory = results,
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("KataImpl", "solutions"),
            EnvironmentVariables = new Dictionary<string, string> { ["SNAPSHOOTER_STRICT_MODE"] = "true" }, // as the judge runs: a missing snapshot fails
            ArgumentCustomization = a => a.Append("--").Append("DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include=[ConcurrencyKata.Solutions]*"),
        });
        Kata("coverage-summary", "--results=" + results.FullPath);
    });

Task("clean")
    .Description("Deletes build outputs (bin/, obj/) and the runner's state (.kata/).")
    .Does(() =>
    {
        CleanDirectories(root.FullPath + "/**/bin");
        CleanDirectories(root.FullPath + "/**/obj");
        if (DirectoryExists(root.Combine(".kata"))) DeleteDirectory(root.Combine(".kata"), new DeleteDirectorySettings { Recursive = true, Force = true });
        Console.WriteLine("Clean: bin/, obj/ and .kata/ removed.");
    });

Task("help")
    .Description("Lists the targets and their parameters.")
    .Does(() =>
    {
        var cmd = EnvironmentVariable("KATA_COMMAND") ?? "./build.sh";
        Console.WriteLine($"Usage: {cmd} [target] [--exercise=NN] [--level=N] [--force]");
        Console.WriteLine("");
        foreach (var task in Tasks.Where(t => t.Name != "runner"))
        {
            Console.WriteLine($"  {task.Name,-17} {task.Description}");
        }
        Console.WriteLine("");
        Console.WriteLine("Parameters:");
        Console.WriteLine("  --exercise=NN     an exercise by number (01), name (async-gather) or folder (01-async-gather)");
        Console.WriteLine("  --level=N         hint: show hints 1..N");
        Console.WriteLine("  --force           compare: show the reference before the exercise passes");
        Console.WriteLine("Environment: NO_COLOR=1 turns colour off.");
    });

RunTarget(target);

if (exitCode != 0)
{
    // the runner has already said why; hand its exit code on without a Cake error banner
    System.Environment.Exit(exitCode);
}
