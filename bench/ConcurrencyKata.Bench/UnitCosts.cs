using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ConcurrencyKata.Bench;

/// <summary>
/// The cost of one unit of concurrency, start to finish: a Task, a Thread, a worker process, and
/// one round trip to a worker that is already running. Measured by BenchmarkDotNet, in this
/// process (no separate build per benchmark), with few iterations: the orders of magnitude are
/// the point, not the last digit.
/// </summary>
public class UnitCosts
{
    private Process? _live;
    private int _id;

    [GlobalSetup(Target = nameof(RoundTripToLiveWorker))]
    public void StartLiveWorker() => _live = Process.Start(WorkerProgram.StartInfo()) ?? throw new InvalidOperationException("the worker did not start");

    [GlobalCleanup(Target = nameof(RoundTripToLiveWorker))]
    public void EndLiveWorker()
    {
        if (_live is null)
        {
            return;
        }
        _live.StandardInput.Close();
        if (!_live.WaitForExit(5000))
        {
            _live.Kill(entireProcessTree: true);
        }
        _live.Dispose();
    }

    [Benchmark(Description = "Task: Task.Run, then await it")]
    public Task TaskStartAndFinish() => Task.Run(static () => { });

    [Benchmark(Description = "Thread: new Thread, Start, Join")]
    public void ThreadStartAndFinish()
    {
        var thread = new Thread(static () => { });
        thread.Start();
        thread.Join();
    }

    [Benchmark(Description = "worker process: start, one Echo job, exit")]
    public void ProcessStartAndFinish()
    {
        using var worker = Process.Start(WorkerProgram.StartInfo()) ?? throw new InvalidOperationException("the worker did not start");
        worker.StandardInput.WriteLine(WorkerProtocol.Write(new Job(1, JobKind.Echo, 0, "x")));
        worker.StandardInput.Close();
        _ = worker.StandardOutput.ReadToEnd();
        worker.WaitForExit();
    }

    [Benchmark(Description = "round trip to a live worker (Echo)")]
    public string RoundTripToLiveWorker()
    {
        _live!.StandardInput.WriteLine(WorkerProtocol.Write(new Job(++_id, JobKind.Echo, 0, "x")));
        return _live.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the worker ended");
    }

    /// <summary>Runs the four benchmarks and returns each one's median time in nanoseconds, by description.</summary>
    public static IReadOnlyList<(string Unit, double MedianNanoseconds)> Measure(BenchSettings settings, string artifacts)
    {
        var job = BenchmarkDotNet.Jobs.Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(settings.UnitCostWarmups)
            .WithIterationCount(settings.UnitCostIterations)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(settings.UnitCostIterationTime.TotalMilliseconds))
            .WithUnrollFactor(1)
            .WithStrategy(BenchmarkDotNet.Engines.RunStrategy.Throughput);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
            .AddLogger(NullLogger.Instance)
            .WithArtifactsPath(artifacts)
            // the bench may be built without optimisations (a Debug build): its figures are orders of magnitude, kept as measured
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<UnitCosts>(config);
        return [.. summary.Reports
            .Where(r => r.ResultStatistics is not null)
            .Select(r => (r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), r.ResultStatistics!.Median))];
    }
}
