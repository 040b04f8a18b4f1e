using ConcurrencyKata.Runner;

// `kata [target] [--parameter=value ...]`: build.sh, build.ps1 and build.cmd pass their arguments
// here untouched. Every target is a KataCommand in Commands.All, and `help` lists them.
if (RunnerBuild.IsStale())
{
    Console.Error.WriteLine("The kata runner's sources changed since it was built: building it again...");
    return RunnerBuild.ExitRebuildMe;
}
return Commands.Run(args, Terminal.Create());
