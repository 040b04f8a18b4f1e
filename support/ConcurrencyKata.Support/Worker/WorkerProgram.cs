using System.Diagnostics;

namespace ConcurrencyKata;

/// <summary>
/// The worker program that the processes exercises start as separate operating-system
/// processes (support/ConcurrencyKata.Worker, built next to the judge). <see cref="StartInfo"/>
/// says how to start one; the protocol is <see cref="WorkerProtocol"/>'s.
/// </summary>
public static class WorkerProgram
{
    /// <summary>The worker's assembly, built next to whoever references it.</summary>
    public const string AssemblyFileName = "ConcurrencyKata.Worker.dll";

    /// <summary>
    /// How to start one worker: `dotnet ConcurrencyKata.Worker.dll`, with standard input, output
    /// and error redirected (read both outputs: a worker can write a lot to standard error) and
    /// no shell. Works on Linux, macOS and Windows. Each call returns a new object.
    /// </summary>
    public static ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        info.ArgumentList.Add(Locate());
        info.Environment[WorkerLoop.StarterVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Fault.Value is { } fault)
        {
            info.Environment[WorkerLoop.FaultVariable] = fault;
        }
        if (ChecksumTrace is { } trace)
        {
            info.Environment[WorkerLoop.ChecksumTraceVariable] = trace;
        }
        return info;
    }

    /// <summary>
    /// A misbehaviour the judge asks of the workers started from this flow of execution (see
    /// <see cref="WorkerLoop.FaultVariable"/>), to check how the code that starts them copes.
    /// </summary>
    internal static readonly AsyncLocal<string?> Fault = new();

    /// <summary>
    /// The folder in which the workers started from now on record their checksum jobs (see
    /// <see cref="WorkerLoop.ChecksumTraceVariable"/>); null: no trace. Set by the judge around one
    /// check (the checks run one at a time). Process-wide, not per flow: the code under test may start
    /// its workers from any thread.
    /// </summary>
    internal static volatile string? ChecksumTrace;

    private static string Locate()
    {
        foreach (var folder in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(WorkerProgram).Assembly.Location) })
        {
            if (!string.IsNullOrEmpty(folder) && Path.Combine(folder, AssemblyFileName) is var path && File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException(
            $"The worker program ({AssemblyFileName}) is not next to {AppContext.BaseDirectory}: the project that runs it must reference support/ConcurrencyKata.Worker.",
            AssemblyFileName);
    }

    /// <summary>The dotnet host this process runs on (so the worker runs on the same runtime), or "dotnet" from the PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? self : "dotnet";
    }
}
