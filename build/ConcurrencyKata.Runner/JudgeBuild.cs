namespace ConcurrencyKata.Runner;

/// <summary>Building the judge: with MSBuild against the learner's code or the reference, or by swapping a control's files into the reference build.</summary>
public sealed partial class Judge
{
    public BuildOutcome Build(Variant variant)
        => variant.ControlKey is null ? BuildJudge(variant) : BuildBySwap(variant);

    private BuildOutcome BuildJudge(Variant variant)
    {
        var args = new List<string> { "build", repository.JudgeProject };
        args.AddRange(variant.Properties.Select(p => $"-p:{p}"));
        args.Add($"-p:TreatWarningsAsErrors={(strict ? "true" : "false")}");
        if (!strict)
        {
            // The learner's loop: the C# compiler server (VBCSCompiler) stays warm between runs and
            // compiles in about a third of the time. dotnet uses it by default; some machines turn
            // it off in the environment (UseSharedCompilation=false), as CI images often do.
            args.Add("-p:UseSharedCompilation=true");
        }
        var implementation = variant == Variant.Exercises ? repository.ExercisesDirectory : repository.SolutionsDirectory;
        if (RestoreIsCurrent(repository.Root, [
                Path.Combine(Path.GetDirectoryName(repository.JudgeProject)!, "obj", variant.Name, "project.assets.json"),
                Path.Combine(implementation, "obj", "project.assets.json"),
                Path.Combine(repository.Root, "support", "ConcurrencyKata.Support", "obj", "project.assets.json"),
            ]))
        {
            args.Add("--no-restore"); // a restore costs seconds even when it has nothing to do
        }
        return DotnetBuild(args, AssemblyPath(variant));
    }

    /// <summary>
    /// Whether every given project.assets.json exists and is newer than everything that decides
    /// what a restore produces (every .csproj, the props files, global.json): then restoring again
    /// would change nothing, and the build can skip it.
    /// </summary>
    internal static bool RestoreIsCurrent(string root, IReadOnlyList<string> assetsFiles)
    {
        if (assetsFiles.Any(a => !File.Exists(a)))
        {
            return false;
        }
        var oldestAssets = assetsFiles.Min(File.GetLastWriteTimeUtc);
        var inputs = Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config" }.Select(f => Path.Combine(root, f)).Where(File.Exists));
        return inputs.All(f => File.GetLastWriteTimeUtc(f) < oldestAssets);
    }

    /// <summary>Runs one quiet `dotnet build`; it succeeded if it exited 0 and produced <paramref name="expected"/>.</summary>
    private BuildOutcome DotnetBuild(List<string> args, string expected)
    {
        var result = ProcessRunner.Run("dotnet", [.. args, "-nologo", "-v:q", "-clp:NoSummary"], repository.Root, BuildTimeout);
        var diagnostics = BuildDiagnostics.Parse(result.Output, repository.Root);
        var ok = result.ExitCode == 0 && !result.TimedOut && File.Exists(expected);
        if (!ok && !diagnostics.Any(d => d.IsError))
        {
            diagnostics = [.. diagnostics, new Diagnostic("error", "KATA001", result.TimedOut ? "the build timed out" : Text.LastLines(result.Output, 15), null, 0, 0)];
        }
        return new BuildOutcome(ok, diagnostics, result.Elapsed);
    }

    /// <summary>
    /// A control has the same public API as the reference, so the judge need not be compiled
    /// again: compile only the solutions assembly with the control's files swapped in (in this
    /// process, from the reference build's recorded inputs: <see cref="ControlCompiler"/>), then
    /// run a copy of the reference judge with that assembly in place of the reference one.
    /// </summary>
    private BuildOutcome BuildBySwap(Variant variant)
    {
        var reference = AssemblyPath(Variant.Solutions);
        var inputsFile = Path.Combine(repository.SolutionsDirectory, "obj", KataRepository.BuildConfiguration, KataRepository.TargetFramework, CompileInputs.FileName);
        if (!File.Exists(reference) || !File.Exists(inputsFile))
        {
            var judge = BuildJudge(Variant.Solutions);
            if (!judge.Succeeded)
            {
                return judge;
            }
        }
        var key = variant.ControlKey!;
        var exercise = key.Split('/')[1];
        var target = Path.GetDirectoryName(AssemblyPath(variant))!;
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        CopyDirectory(Path.GetDirectoryName(reference)!, target);
        var inputs = CompileInputs.Read(inputsFile);
        var sources = ControlCompiler.SwapIn(inputs.Sources, Path.Combine(repository.SolutionsDirectory, exercise), Path.Combine(repository.Root, "tests", key));
        return ControlCompiler.Compile(inputs, sources, Path.Combine(target, "ConcurrencyKata.Solutions.dll"));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }
}
