using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>What a headless browser laid out on the report page (the page's own script counts it after load).</summary>
public sealed record DrawnPage(int Timelines, int Bars, int DrawnBars, int Approaches = -1, int Mistakes = -1, int Rejections = -1, int MistakeTimelines = -1);

/// <summary>
/// Chromium without a window: opens the HTML report the way a learner's browser would, reads back
/// what its self-check script counted (--dump-dom), and takes a screenshot. Every run is bounded.
/// </summary>
public sealed partial class HeadlessBrowser(string executable)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    public string Executable { get; } = executable;

    /// <summary>The first Chromium on the PATH; null when there is none.</summary>
    public static HeadlessBrowser? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in Names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return new HeadlessBrowser(candidate);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Finds Chromium, or installs Debian's `chromium` package when this is a Linux machine where
    /// apt-get can (running as root); null with the reason when neither works.
    /// </summary>
    public static (HeadlessBrowser? Browser, string Reason) FindOrInstall(string workingDirectory)
    {
        if (Find() is { } found)
        {
            return (found, "");
        }
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
        {
            return (null, "no Chromium on the PATH (chromium, chromium-browser or google-chrome), and it cannot be installed here with apt-get as root");
        }
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var update = ProcessRunner.Run("apt-get", ["update", "-q"], workingDirectory, TimeSpan.FromMinutes(5), environment);
        var install = ProcessRunner.Run("apt-get", ["install", "-y", "-q", "chromium"], workingDirectory, TimeSpan.FromMinutes(10), environment);
        return Find() is { } installed
            ? (installed, "")
            : (null, $"apt-get install chromium did not install it (exit codes {update.ExitCode}, {install.ExitCode}): {Text.LastLines(install.Output, 3)}");
    }

    /// <summary>Opens <paramref name="page"/> and returns what its script counted once it had loaded.</summary>
    public DrawnPage Inspect(string page)
    {
        var result = Run(["--dump-dom", new Uri(Path.GetFullPath(page)).AbsoluteUri]);
        var body = BodyTag().Match(result.Output);
        if (!body.Success)
        {
            throw new KataException($"{Executable} showed no <body> of {page} (exit code {result.ExitCode}): {Text.LastLines(result.Output, 5)}");
        }
        int Count(string name) => Regex.Match(body.Value, $"data-{name}=\"(\\d+)\"") is { Success: true } m ? int.Parse(m.Groups[1].Value) : -1;
        return new DrawnPage(Count("timelines"), Count("bars"), Count("drawn-bars"), Count("approaches"), Count("mistakes"), Count("rejections"), Count("mistake-timelines"));
    }

    /// <summary>Saves a PNG of <paramref name="page"/> as a browser window of the given size shows it.</summary>
    public bool Screenshot(string page, string png, int width = 1200, int height = 1600)
    {
        File.Delete(png);
        Run([$"--screenshot={Path.GetFullPath(png)}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(Path.GetFullPath(page)).AbsoluteUri]);
        return File.Exists(png) && new FileInfo(png).Length > 0;
    }

    private ProcessResult Run(IEnumerable<string> arguments)
        => ProcessRunner.Run(Executable, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage", .. arguments],
            Path.GetTempPath(), Patience);

    [GeneratedRegex("<body[^>]*>")]
    private static partial Regex BodyTag();
}
