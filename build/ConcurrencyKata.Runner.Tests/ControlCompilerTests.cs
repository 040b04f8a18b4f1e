namespace ConcurrencyKata.Runner.Tests;

public sealed class ControlCompilerTests
{
    private static readonly string Runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private static CompileInputs Inputs(params string[] sources) => new(
        new Dictionary<string, string> { ["LangVersion"] = "latest", ["Nullable"] = "enable", ["DefineConstants"] = "TRACE,DEBUG", ["AssemblyName"] = "Kata.Sample" },
        Directory.GetFiles(Runtime, "System.*.dll").Where(f => !f.Contains("Native", StringComparison.Ordinal)).Append(typeof(object).Assembly.Location).ToList(),
        sources);

    [Fact]
    public void A_control_file_replaces_the_exercise_file_at_the_same_relative_path_and_new_files_are_added()
    {
        using var kata = new TempKata();
        var kept = kata.Write("solutions/01-x/Other.cs", "");
        var replaced = kata.Write("solutions/01-x/Worker/Program.cs", "");
        var control = kata.Write("tests/NegativeControls/01-x/wrong/Worker/Program.cs", "");
        var added = kata.Write("tests/NegativeControls/01-x/wrong/Extra.cs", "");

        var sources = ControlCompiler.SwapIn([kept, replaced], Path.Combine(kata.Root, "solutions/01-x"), Path.Combine(kata.Root, "tests/NegativeControls/01-x/wrong"),
            Path.Combine(kata.Root, ".kata/patched/wrong"));

        sources.Should().BeEquivalentTo([kept, control, added]);
    }

    [Fact]
    public void A_control_kept_as_a_patch_replaces_the_file_it_patches_with_the_patched_text()
    {
        using var kata = new TempKata();
        var kept = kata.Write("solutions/01-x/Other.cs", "");
        var replaced = kata.Write("solutions/01-x/Code.cs", "class A\n{\n    int x = 1;\n}\n");
        kata.Write("tests/NegativeControls/01-x/wrong/Code.cs.patch",
            "--- a/solutions/01-x/Code.cs\n+++ b/tests/NegativeControls/01-x/wrong/Code.cs\n@@ -1,4 +1,5 @@\n+// Mistake: two, not one\n class A\n {\n-    int x = 1;\n+    int x = 2;\n }\n");
        var patched = Path.Combine(kata.Root, ".kata/patched/wrong");

        var sources = ControlCompiler.SwapIn([kept, replaced], Path.Combine(kata.Root, "solutions/01-x"), Path.Combine(kata.Root, "tests/NegativeControls/01-x/wrong"), patched);

        sources.Should().BeEquivalentTo([kept, Path.Combine(patched, "Code.cs")]);
        File.ReadAllText(Path.Combine(patched, "Code.cs")).Should().Be("// Mistake: two, not one\nclass A\n{\n    int x = 2;\n}\n");
        KataRepository.ControlFilesUnder(Path.Combine(kata.Root, "tests/NegativeControls/01-x/wrong")).Should().Equal("Code.cs");
    }

    [Fact]
    public void A_control_that_compiles_becomes_an_assembly_of_the_recorded_name()
    {
        using var kata = new TempKata();
        var source = kata.Write("solutions/01-x/Code.cs", "namespace K; public static class C { public static int Twice(int x) => x * 2; }");
        var output = Path.Combine(kata.Root, "out", "Kata.Sample.dll");

        var outcome = ControlCompiler.Compile(Inputs(source), [source], output);

        outcome.Succeeded.Should().BeTrue(string.Join("\n", outcome.Diagnostics));
        File.Exists(output).Should().BeTrue();
        System.Reflection.AssemblyName.GetAssemblyName(output).Name.Should().Be("Kata.Sample");
    }

    [Fact]
    public void The_builds_source_generators_run_as_in_MSBuild()
    {
        using var kata = new TempKata();
        var source = kata.Write("exercises/01-x/Code.cs",
            "using System.Text.RegularExpressions;\nnamespace K;\npublic static partial class C\n{\n    [GeneratedRegex(\"^k[0-9]+$\")]\n    public static partial Regex Key();\n}\n");
        var output = Path.Combine(kata.Root, "out", "Kata.Sample.dll");
        // the regex generator of the reference pack this runtime belongs to, as a build of net10.0 lists it
        var packs = Path.GetFullPath(Path.Combine(Runtime, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"));
        var generator = Directory.GetFiles(packs, "System.Text.RegularExpressions.Generator.dll", SearchOption.AllDirectories).Where(f => f.Contains($"{Path.DirectorySeparatorChar}cs{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).Order().Last();

        var without = ControlCompiler.Compile(Inputs(source), [source], output);
        var with = ControlCompiler.Compile(Inputs(source) with { Analyzers = [generator] }, [source], output);

        without.Succeeded.Should().BeFalse("a partial method with no implementation does not compile without its generator");
        with.Succeeded.Should().BeTrue(string.Join("\n", with.Diagnostics));
    }

    [Fact]
    public void A_control_that_does_not_compile_fails_with_its_errors_located()
    {
        using var kata = new TempKata();
        var source = kata.Write("solutions/01-x/Code.cs", "namespace K;\npublic static class C { public static int Twice(int x) => y * 2; }");
        var output = Path.Combine(kata.Root, "out", "Kata.Sample.dll");

        var outcome = ControlCompiler.Compile(Inputs(source), [source], output);

        outcome.Succeeded.Should().BeFalse();
        outcome.Errors.Should().ContainSingle().Which.Should().Match<Diagnostic>(d => d.Code == "CS0103" && d.Line == 2);
        File.Exists(output).Should().BeFalse("a failed build leaves no assembly to run");
    }

    [Fact]
    public void The_recorded_inputs_are_read_back()
    {
        using var kata = new TempKata();
        var file = kata.Write("obj/" + CompileInputs.FileName, "option:LangVersion=latest\noption:DefineConstants=TRACE,DEBUG\nreference:/r/A.dll\nsource:/s/B.cs\n");

        var inputs = CompileInputs.Read(file);

        inputs.Option("LangVersion").Should().Be("latest");
        inputs.Option("Nullable", "disable").Should().Be("disable");
        inputs.References.Should().Equal("/r/A.dll");
        inputs.Sources.Should().Equal("/s/B.cs");
    }
}
