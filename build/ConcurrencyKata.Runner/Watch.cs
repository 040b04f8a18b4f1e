using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `watch`: grade, then wait for a saved .cs file under exercises/, then grade again, until Ctrl+C.
/// After the first build, the learner's edits are compiled in this process (the compiler stays
/// warm), not by MSBuild: <see cref="Judge.BuildInProcess"/>.
/// </summary>
public static class Watch
{
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(400);

    public static int Run(KataRepository repository, IAnsiConsole console, Exercise? focus, CancellationToken stop)
    {
        using var watcher = new FileSystemWatcher(repository.ExercisesDirectory, "*.cs")
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        using var changed = new SemaphoreSlim(0);
        void OnChange(object? sender, FileSystemEventArgs e)
        {
            if (!e.FullPath.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !e.FullPath.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                changed.Release();
            }
        }
        watcher.Changed += OnChange;
        watcher.Created += OnChange;
        watcher.Renamed += OnChange;
        watcher.EnableRaisingEvents = true;

        var last = 1;
        while (!stop.IsCancellationRequested)
        {
            console.Clear();
            last = new Grader(repository, console).Run(focus, inProcess: true);
            console.WriteLine();
            console.MarkupLine($"[grey]Watching {Markup.Escape(repository.Relative(focus?.Directory ?? repository.ExercisesDirectory))}/ for saved changes. Ctrl+C stops.[/]");
            try
            {
                changed.Wait(stop);
                // let an editor finish writing (several events per save), then drain them
                Task.Delay(Settle, stop).Wait(stop);
                while (changed.Wait(0))
                {
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return last;
    }
}
