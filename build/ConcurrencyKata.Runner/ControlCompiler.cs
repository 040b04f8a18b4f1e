using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;

namespace ConcurrencyKata.Runner;

/// <summary>
/// What a build of solutions/ or exercises/ compiled with, as the MSBuild target
/// <c>KataRecordCompileInputs</c> (build/KataCompileInputs.targets) wrote it: the options, the
/// references, the analyzers and the source files (including MSBuild's generated global usings
/// and assembly attributes).
/// </summary>
public sealed record CompileInputs(IReadOnlyDictionary<string, string> Options, IReadOnlyList<string> References, IReadOnlyList<string> Sources)
{
    public IReadOnlyList<string> Analyzers { get; init; } = [];

    public const string FileName = "kata-compile-inputs.txt";

    public static CompileInputs Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new KataException($"{path} is missing: the reference build of solutions/ writes it (target KataRecordCompileInputs).");
        }
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var references = new List<string>();
        var analyzers = new List<string>();
        var sources = new List<string>();
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            var (kind, value) = (line[..colon], line[(colon + 1)..]);
            switch (kind)
            {
                case "option":
                    var equals = value.IndexOf('=');
                    options[value[..equals]] = value[(equals + 1)..];
                    break;
                case "reference":
                    references.Add(value);
                    break;
                case "source":
                    sources.Add(value);
                    break;
                case "analyzer":
                    analyzers.Add(value);
                    break;
                default:
                    throw new KataException($"{path}: unknown line '{line}'.");
            }
        }
        return new CompileInputs(options, references, sources) { Analyzers = analyzers };
    }

    public string Option(string name, string fallback = "") => Options.TryGetValue(name, out var value) ? value : fallback;
}

/// <summary>
/// Compiles the solutions assembly with a control's files swapped in, in this process, from
/// the reference build's own inputs: what MSBuild would compile, without paying an MSBuild run
/// (about 3 s) for each of ci's controls. The build's source generators run, as in MSBuild
/// (a <c>[GeneratedRegex]</c> in a learner's file compiles in <c>watch</c> as in <c>test</c>);
/// its analyzers run only when asked for (a control's warnings never fail it anyway).
/// </summary>
public static class ControlCompiler
{
    /// <summary>
    /// The reference's sources with <paramref name="exerciseDirectory"/>'s files replaced by the
    /// control's: a control file at a relative path replaces the exercise's file at the same
    /// relative path, or is added when the exercise has none.
    /// </summary>
    /// <param name="patchedDirectory">Where a control's patches (<c>File.cs.patch</c>) are applied to the exercise's files and written, to be compiled from there.</param>
    public static IReadOnlyList<string> SwapIn(IReadOnlyList<string> sources, string exerciseDirectory, string controlDirectory, string patchedDirectory)
    {
        var controlFiles = Directory.GetFiles(controlDirectory, "*.cs", SearchOption.AllDirectories).ToList();
        foreach (var patch in KataRepository.PatchesUnder(controlDirectory))
        {
            var target = UnifiedPatch.TargetOf(patch);
            var patched = Path.Combine(patchedDirectory, target);
            Directory.CreateDirectory(Path.GetDirectoryName(patched)!);
            File.WriteAllText(patched, UnifiedPatch.Apply(File.ReadAllText(Path.Combine(exerciseDirectory, target)), File.ReadAllText(Path.Combine(controlDirectory, patch)), patch));
            controlFiles.Add(patched);
        }
        var root = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in controlFiles)
        {
            root[file] = file.StartsWith(Path.GetFullPath(patchedDirectory), StringComparison.Ordinal) ? patchedDirectory : controlDirectory;
        }
        controlFiles.Sort(StringComparer.Ordinal);
        var replaced = controlFiles
            .Select(f => Path.GetFullPath(Path.Combine(exerciseDirectory, Path.GetRelativePath(root[f], f))))
            .ToHashSet(StringComparer.Ordinal);
        return [.. sources.Where(s => !replaced.Contains(Path.GetFullPath(s))), .. controlFiles];
    }

    /// <param name="analyzers">Run these too, and report warnings as well as errors (the learner's build); null: errors only.</param>
    /// <param name="relativePath">How a diagnostic names its file (repository-relative for the learner's report).</param>
    public static BuildOutcome Compile(CompileInputs inputs, IReadOnlyList<string> sources, string outputDll,
        IReadOnlyList<DiagnosticAnalyzer>? analyzers = null, Func<string, string>? relativePath = null)
    {
        var clock = Stopwatch.StartNew();
        var symbols = inputs.Option("DefineConstants").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!LanguageVersionFacts.TryParse(inputs.Option("LangVersion", "latest"), out var language))
        {
            language = LanguageVersion.Latest;
        }
        var parseOptions = new CSharpParseOptions(language, preprocessorSymbols: symbols);
        var trees = sources.Select(path => Parsed(path, parseOptions));
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: Enum.TryParse<NullableContextOptions>(inputs.Option("Nullable", "disable"), ignoreCase: true, out var nullable) ? nullable : NullableContextOptions.Disable,
            allowUnsafe: string.Equals(inputs.Option("AllowUnsafeBlocks"), "true", StringComparison.OrdinalIgnoreCase),
            optimizationLevel: OptimizationLevel.Debug,
            deterministic: true);
        Compilation compilation = WithoutSources(inputs.Option("AssemblyName", Path.GetFileNameWithoutExtension(outputDll)), inputs.References, options).AddSyntaxTrees(trees);
        IEnumerable<Microsoft.CodeAnalysis.Diagnostic> generated = [];
        if (LoadGenerators(inputs.Analyzers) is { Count: > 0 } generators)
        {
            CSharpGeneratorDriver.Create(generators, parseOptions: parseOptions)
                .RunGeneratorsAndUpdateCompilation(compilation, out compilation, out var generatorDiagnostics);
            generated = generatorDiagnostics;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(outputDll)!);
        EmitResult result;
        using (var dll = File.Create(outputDll))
        using (var pdb = File.Create(Path.ChangeExtension(outputDll, ".pdb")))
        {
            result = compilation.Emit(dll, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        }
        IEnumerable<Microsoft.CodeAnalysis.Diagnostic> found = generated.Concat(result.Diagnostics);
        if (analyzers is { Count: > 0 } && result.Success)
        {
            found = found.Concat(compilation.WithAnalyzers([.. analyzers]).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult());
        }
        var diagnostics = found
            .Where(d => d.Severity == DiagnosticSeverity.Error || (analyzers is not null && d.Severity == DiagnosticSeverity.Warning))
            .Select(d => ToDiagnostic(d, relativePath ?? (p => p)))
            .Distinct()
            .ToList();
        if (!result.Success)
        {
            File.Delete(outputDll);
        }
        return new BuildOutcome(result.Success, diagnostics, clock.Elapsed);
    }

    /// <summary>
    /// A compilation of the given references and options with no source yet, made once per process
    /// for the same inputs (the references' times included): every compilation made from it by adding
    /// sources shares the references it has read and bound, which ci's controls and `watch`'s saves
    /// would otherwise read again each time.
    /// </summary>
    private static CSharpCompilation WithoutSources(string assemblyName, IReadOnlyList<string> references, CSharpCompilationOptions options)
    {
        var key = string.Join("\n", references.Select(r => $"{r} {File.GetLastWriteTimeUtc(r).Ticks}").Prepend(assemblyName));
        lock (Empty)
        {
            if (!Empty.TryGetValue(key, out var cached) || !cached.Options.Equals(options))
            {
                cached = CSharpCompilation.Create(assemblyName, [], references.Select(r => MetadataReference.CreateFromFile(r)), options);
                Empty[key] = cached;
            }
            return cached;
        }
    }

    private static readonly Dictionary<string, CSharpCompilation> Empty = new(StringComparer.Ordinal);

    /// <summary>A source file parsed, once per process for the same content and options (a file's time may not change between two quick writes).</summary>
    private static SyntaxTree Parsed(string path, CSharpParseOptions options)
    {
        var text = File.ReadAllText(path);
        return ParsedFiles.GetOrAdd((path, text, options), key => CSharpSyntaxTree.ParseText(key.Text, key.Options, key.Path, System.Text.Encoding.UTF8));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, string Text, CSharpParseOptions Options), SyntaxTree> ParsedFiles = new();

    /// <summary>The analyzers among <paramref name="paths"/> whose file name contains <paramref name="nameContains"/>, loaded into this process.</summary>
    public static IReadOnlyList<DiagnosticAnalyzer> LoadAnalyzers(IEnumerable<string> paths, string nameContains)
        => [.. paths
            .Where(p => Path.GetFileName(p).Contains(nameContains, StringComparison.OrdinalIgnoreCase) && File.Exists(p))
            .SelectMany(p => new AnalyzerFileReference(p, AnalyzerLoader.Instance).GetAnalyzers(LanguageNames.CSharp))];

    /// <summary>
    /// The source generators in the analyzer assemblies at <paramref name="paths"/>, each assembly
    /// loaded into this process once (watch compiles again on every save).
    /// </summary>
    public static IReadOnlyList<ISourceGenerator> LoadGenerators(IEnumerable<string> paths)
        => [.. paths.Where(File.Exists).SelectMany(p => GeneratorsIn.GetOrAdd(p, path => new AnalyzerFileReference(path, AnalyzerLoader.Instance).GetGenerators(LanguageNames.CSharp)))];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<ISourceGenerator>> GeneratorsIn = new(StringComparer.Ordinal);

    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public static readonly AnalyzerLoader Instance = new();

        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }

    private static Diagnostic ToDiagnostic(Microsoft.CodeAnalysis.Diagnostic d, Func<string, string> relativePath)
    {
        var span = d.Location.GetLineSpan();
        return new Diagnostic(d.Severity == DiagnosticSeverity.Error ? "error" : "warning", d.Id, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
            span.IsValid && span.Path.Length > 0 ? relativePath(span.Path) : null, span.IsValid ? span.StartLinePosition.Line + 1 : 0, span.IsValid ? span.StartLinePosition.Character + 1 : 0);
    }
}
