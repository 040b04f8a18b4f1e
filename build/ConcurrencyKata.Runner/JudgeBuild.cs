namespace ConcurrencyKata.Runner;

/// <summary>Building the judge: with MSBuild against the learner's code or the reference, or by swapping a control's files into the reference build.</summary>
public sealed partial class Judge
{
    public BuildOutcome Build(Variant variant)
        => variant.ControlKey is null ? BuildJudge(variant) : BuildBySwap(variant);

    /// <summary>
    /// The learner's code compiled in this process, without MSBuild (for `watch`, whose compiler
    /// stays warm between saves): from what the last MSBuild build of exercises/ compiled with
    /// (build/KataCompileInputs.targets), with the exercises' C# files as they are now, into the
    /// judge's folder, the threading analyzers included. Null when that cannot stand in for
    /// MSBuild: no such build yet, the judge or the build settings changed since (their hash), or
    /// the code does not compile (MSBuild then names the errors, with source generators run).
    /// </summary>
    public BuildOutcome? BuildInProcess()
    {
        var judge = AssemblyPath(Variant.Exercises);
        var inputsFile = Path.Combine(repository.ExercisesDirectory, "obj", KataRepository.BuildConfiguration, KataRepository.TargetFramework, CompileInputs.FileName);
        if (!File.Exists(judge) || !File.Exists(inputsFile) || ReadStamp(Variant.Exercises).Judge != Verdicts.JudgeHash(repository))
        {
            return null;
        }
        var inputs = CompileInputs.Read(inputsFile);
        var exercises = Path.GetFullPath(repository.ExercisesDirectory) + Path.DirectorySeparatorChar;
        var generated = Path.Combine(exercises, "obj") + Path.DirectorySeparatorChar;
        // MSBuild's generated files (global usings, assembly attributes) as recorded; the learner's files as they are now (added ones too)
        var sources = inputs.Sources.Where(s => !Path.GetFullPath(s).StartsWith(exercises, StringComparison.Ordinal) || Path.GetFullPath(s).StartsWith(generated, StringComparison.Ordinal))
            .Concat(KataRepository.SourceFilesUnder(repository.ExercisesDirectory).Select(f => Path.Combine(repository.ExercisesDirectory, f)))
            .ToList();
        LearnerAnalyzers ??= ControlCompiler.LoadAnalyzers(inputs.Analyzers, "Threading.Analyzers");
        var outcome = ControlCompiler.Compile(inputs, sources, Path.Combine(Path.GetDirectoryName(judge)!, inputs.Option("AssemblyName") + ".dll"),
            LearnerAnalyzers, repository.Relative);
        return outcome.Succeeded ? outcome : null;
    }

    /// <summary>The analyzers that flag blocking calls in the learner's code, loaded once per process.</summary>
    private static IReadOnlyList<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>? LearnerAnalyzers;

    /// <summary>What MSBuild's last build of the judge against <paramref name="variant"/> was given: the judge's hash (<see cref="Verdicts.JudgeHash"/>) and the exercises' (<see cref="Verdicts.ExercisesHash"/>).</summary>
    private string BuildStamp(Variant variant) => Path.Combine(Path.GetDirectoryName(ResultsFile(variant))!, "judge-build.txt");

    private (string? Judge, string? Exercises, string? ReferenceApi) ReadStamp(Variant variant)
        => File.Exists(BuildStamp(variant)) && File.ReadAllLines(BuildStamp(variant)) is [var judge, var exercises, var api, ..]
            ? (judge, exercises, api.Length > 0 ? api : null)
            : (null, null, null);

    /// <summary>
    /// MSBuild decides what to compile by file times, the verdicts by content: a file copied with
    /// its old time (`cp -p`, a restore from a backup) changes the code and not the time, and MSBuild
    /// would keep the old assembly. When the exercises' content differs from the last build's, the
    /// exercises' compiled assembly is deleted first, so MSBuild compiles them whatever the times say.
    /// </summary>
    private void ForgetStaleExercisesBuild(string exercisesHash)
    {
        if (ReadStamp(Variant.Exercises).Exercises == exercisesHash)
        {
            return;
        }
        var intermediate = Path.Combine(repository.ExercisesDirectory, "obj", KataRepository.BuildConfiguration, KataRepository.TargetFramework, ExercisesAssembly);
        if (File.Exists(intermediate))
        {
            File.Delete(intermediate);
        }
    }

    private BuildOutcome BuildJudge(Variant variant)
    {
        var flags = new List<string> { $"-p:TreatWarningsAsErrors={(strict ? "true" : "false")}" };
        if (!strict)
        {
            // The learner's loop: the C# compiler server (VBCSCompiler) stays warm between runs and
            // compiles in about a third of the time. dotnet uses it by default; some machines turn
            // it off in the environment (UseSharedCompilation=false), as CI images often do.
            flags.Add("-p:UseSharedCompilation=true");
        }
        var implementation = variant == Variant.Exercises ? repository.ExercisesDirectory : repository.SolutionsDirectory;
        if (RestoreIsCurrent(repository.Root, [
                Path.Combine(Path.GetDirectoryName(repository.JudgeProject)!, "obj", variant.Name, "project.assets.json"),
                Path.Combine(implementation, "obj", "project.assets.json"),
                Path.Combine(repository.Root, "support", "ConcurrencyKata.Support", "obj", "project.assets.json"),
            ]))
        {
            flags.Add("--no-restore"); // a restore costs seconds even when it has nothing to do
        }
        var judgeHash = Verdicts.JudgeHash(repository);
        var exercisesHash = variant == Variant.Exercises ? Verdicts.ExercisesHash(repository) : "";
        if (variant == Variant.Exercises)
        {
            ForgetStaleExercisesBuild(exercisesHash);
            if (BuildExercisesAlone(flags, judgeHash) is { } alone)
            {
                if (alone.Succeeded)
                {
                    WriteStamp(variant, judgeHash, exercisesHash);
                }
                return alone;
            }
        }
        var outcome = DotnetBuild(["build", repository.JudgeProject, .. variant.Properties.Select(p => $"-p:{p}"), .. flags], AssemblyPath(variant));
        if (outcome.Succeeded)
        {
            WriteStamp(variant, judgeHash, exercisesHash);
        }
        return outcome;
    }

    /// <summary>
    /// The learner's edits built without the judge: MSBuild on exercises/ alone (about half the
    /// time of the judge's build), its assembly then copied beside the judge. Only when the judge
    /// itself would not change: the same judge as last time, and the same public API of the
    /// exercises (their reference assembly, which the judge compiles against, is byte for byte the
    /// one it was built with). Null when that does not hold: build the judge.
    /// </summary>
    private BuildOutcome? BuildExercisesAlone(IReadOnlyList<string> flags, string judgeHash)
    {
        var stamp = ReadStamp(Variant.Exercises);
        var judge = AssemblyPath(Variant.Exercises);
        if (stamp.Judge != judgeHash || stamp.ReferenceApi is null || !File.Exists(judge))
        {
            return null;
        }
        var project = Path.Combine(repository.ExercisesDirectory, "ConcurrencyKata.Exercises.csproj");
        var built = Path.Combine(repository.ExercisesDirectory, "bin", KataRepository.BuildConfiguration, KataRepository.TargetFramework, ExercisesAssembly);
        var outcome = DotnetBuild(["build", project, .. flags], built);
        if (!outcome.Succeeded)
        {
            return outcome; // the learner's compile errors, as the judge's build would report them
        }
        if (ReferenceApiHash() != stamp.ReferenceApi)
        {
            return null;
        }
        foreach (var file in new[] { ExercisesAssembly, Path.ChangeExtension(ExercisesAssembly, ".pdb") })
        {
            File.Copy(Path.Combine(Path.GetDirectoryName(built)!, file), Path.Combine(Path.GetDirectoryName(judge)!, file), overwrite: true);
        }
        return outcome;
    }

    private const string ExercisesAssembly = "ConcurrencyKata.Exercises.dll";

    /// <summary>A hash of the exercises' reference assembly (their public API, as the judge compiles against it); null when there is none.</summary>
    private string? ReferenceApiHash()
    {
        var reference = Path.Combine(repository.ExercisesDirectory, "obj", KataRepository.BuildConfiguration, KataRepository.TargetFramework, "ref", ExercisesAssembly);
        return File.Exists(reference) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(reference))) : null;
    }

    private void WriteStamp(Variant variant, string judgeHash, string exercisesHash)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(BuildStamp(variant))!);
        File.WriteAllLines(BuildStamp(variant), [judgeHash, exercisesHash, (variant == Variant.Exercises ? ReferenceApiHash() : null) ?? ""]);
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
    /// Every control runs from one copy (<see cref="SwappedFolder"/>), one control at a time: a
    /// copy per control took 27 MB each, 7 GB for the course's controls. The copy is made again
    /// when the reference build differs from the one it was copied from.
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
        CopyOfReference(Path.GetDirectoryName(reference)!, target);
        var inputs = CompileInputs.Read(inputsFile);
        var patched = Path.Combine(repository.StateDirectory, "patched", variant.Name);
        if (Directory.Exists(patched))
        {
            Directory.Delete(patched, recursive: true);
        }
        var sources = ControlCompiler.SwapIn(inputs.Sources, Path.Combine(repository.SolutionsDirectory, exercise), Path.Combine(repository.Root, "tests", key), patched);
        return ControlCompiler.Compile(inputs, sources, Path.Combine(target, SolutionsAssembly));
    }

    /// <summary>The folder, beside the other variants' bin folders, that every control's judge runs from.</summary>
    internal const string SwappedFolder = "swapped";

    private const string SolutionsAssembly = "ConcurrencyKata.Solutions.dll";

    /// <summary>
    /// Makes <paramref name="target"/> a copy of the reference judge's folder, unless it already is
    /// one of this very build (every file's name, size and time, kept in a stamp beside it); a
    /// control's compile then replaces only the solutions assembly. The per-control folders of
    /// older versions of this runner are removed on the way.
    /// </summary>
    private static void CopyOfReference(string from, string target)
    {
        var fingerprint = string.Join("\n", Directory.GetFiles(from, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(f => $"{Path.GetRelativePath(from, f.FullName)} {f.Length} {f.LastWriteTimeUtc.Ticks}"));
        var stamp = Path.Combine(target, "..", "reference-copied.txt");
        if (Directory.Exists(target) && File.Exists(stamp) && File.ReadAllText(stamp) == fingerprint)
        {
            return;
        }
        var variants = Path.GetFullPath(Path.Combine(target, "..", "..", ".."));
        foreach (var old in Directory.GetDirectories(variants).Where(d => Path.GetFileName(d) is var n && (n.StartsWith("NegativeControls-", StringComparison.Ordinal) || n.StartsWith("AlternativeSolutions-", StringComparison.Ordinal))))
        {
            Directory.Delete(old, recursive: true);
        }
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        CopyDirectory(from, target);
        File.WriteAllText(stamp, fingerprint);
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
