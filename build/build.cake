// ConcurrencyKata build script (Cake). Kept thin on purpose: the grading, reporting and CI
// logic lives in build/ConcurrencyKata.Runner (C#, with its own tests); this file wires targets
// to it and does the plain build work.
//
//   ./build.sh [target] [--parameter=value ...]     (./build.sh help lists them)
//
var target = Argument("target", "test");

var root = MakeAbsolute(Directory(".."));
var runnerProject = root.CombineWithFilePath("build/ConcurrencyKata.Runner/ConcurrencyKata.Runner.csproj");
var runnerDll = root.CombineWithFilePath("build/ConcurrencyKata.Runner/bin/Debug/net10.0/kata.dll");
var exitCode = 0;

// Cake's own options, not the runner's.
var cakeOptions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "target", "verbosity", "no-report", "dryrun", "description", "tree", "showdescription", "exclusive" };

// Runs the kata runner with the console attached (so colours and Ctrl+C work), forwarding every
// --parameter it was given, and remembers its exit code.
void Kata(string command)
{
    var args = new ProcessArgumentBuilder().Append(runnerDll.FullPath).Append(command);
    foreach (var (name, values) in Context.Arguments.GetArguments().Where(a => !cakeOptions.Contains(a.Key)))
    {
        foreach (var value in values)
        {
            args.Append(string.IsNullOrEmpty(value) || value == "true" ? $"--{name}" : $"--{name}={value}");
        }
    }
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

// The runner is built only when one of its sources is newer than its last build: the learner's
// loop (save, then test) never pays for it. Under ci it is always built, with warnings as errors.
bool RunnerIsCurrent()
{
    if (!FileExists(runnerDll)) return false;
    var built = System.IO.File.GetLastWriteTimeUtc(runnerDll.FullPath);
    var sources = GetFiles(root.FullPath + "/build/ConcurrencyKata.Runner/**/*.cs")
        .Concat(GetFiles(root.FullPath + "/build/ConcurrencyKata.Runner/*.csproj"))
        .Where(f => !f.FullPath.Contains("/bin/") && !f.FullPath.Contains("/obj/"))
        .Select(f => f.FullPath)
        .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" }.Select(f => root.CombineWithFilePath(f).FullPath));
    return sources.All(f => !System.IO.File.Exists(f) || System.IO.File.GetLastWriteTimeUtc(f) < built);
}

Task("runner")
    .Description("Builds the kata runner that grades and reports (with warnings as errors under ci).")
    .WithCriteria(() => target == "ci" || !RunnerIsCurrent())
    .Does(() => BuildQuietly(runnerProject, strict: target == "ci"));

// Every target is a command of the runner: its name and parameters are forwarded as they are,
// and `help` lists the targets from the runner's own table (build/ConcurrencyKata.Runner/Commands.cs).
Task("kata")
    .IsDependentOn("runner")
    .Does(() => Kata(target));

RunTarget("kata");

if (exitCode != 0)
{
    // the runner has already said why; hand its exit code on without a Cake error banner
    System.Environment.Exit(exitCode);
}
