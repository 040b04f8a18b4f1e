using System.Diagnostics;
using Xunit.Abstractions;

namespace ConcurrencyKata.Tests.Worker;

/// <summary>
/// The worker program that exercises 11-13 start: its protocol, every kind of job, and what it
/// does with bad input and a closed standard input. These hold for every learner: they test the
/// support code, not an exercise.
/// </summary>
public sealed class WorkerProgramTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void Jobs_and_results_survive_a_round_trip_on_one_line()
    {
        var job = new Job(7, JobKind.Rendezvous, 3, "meet \"here\"\nnow");
        var result = new JobResult(7, -42, 1234, 100, 250, TimeSpan.FromMilliseconds(12.5));

        var jobLine = WorkerProtocol.Write(job);
        var resultLine = WorkerProtocol.Write(result);

        jobLine.Should().NotContain("\n");
        resultLine.Should().NotContain("\n");
        WorkerProtocol.ReadJob(jobLine).Should().Be(job);
        WorkerProtocol.ReadResult(resultLine).Should().Be(result);
        WorkerProtocol.ReadJob(WorkerProtocol.Write(new Job(1, JobKind.Echo, 5))).Text.Should().BeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("{}")]
    [InlineData("""{"id":1}""")]
    [InlineData("""{"id":1,"kind":"Explode","argument":1}""")]
    [InlineData("null")]
    public void A_line_that_is_not_a_job_is_a_format_error(string line)
        => FluentActions.Invoking(() => WorkerProtocol.ReadJob(line)).Should().Throw<FormatException>().WithMessage("*not a job*");

    [Fact]
    public void The_loop_answers_in_order_and_ends_when_its_input_closes()
    {
        var input = new StringReader(string.Join('\n', WorkerProtocol.Write(new Job(1, JobKind.Echo, 11)), "", WorkerProtocol.Write(new Job(2, JobKind.Sleep, 20))));
        var written = new StringWriter();
        var error = new StringWriter();

        var code = WorkerLoop.Run(input, written, error);

        code.Should().Be(0);
        var results = written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(WorkerProtocol.ReadResult).ToList();
        results.Select(r => (r.JobId, r.Value)).Should().Equal((1, 11), (2, 20));
        results[1].EndTimestamp.Should().BeGreaterThan(results[1].StartTimestamp);
        Stopwatch.GetElapsedTime(results[1].StartTimestamp, results[1].EndTimestamp).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(15));
        error.ToString().Should().BeEmpty();
    }

    [Fact]
    public void Bad_input_gets_one_error_line_and_a_non_zero_exit()
    {
        var error = new StringWriter();

        var code = WorkerLoop.Run(new StringReader("this is not json\n" + WorkerProtocol.Write(new Job(1, JobKind.Echo, 1))), new StringWriter(), error);

        code.Should().Be(WorkerProtocol.ExitBadInput);
        error.ToString().Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("not a job");
    }

    [Fact]
    public void A_worker_process_answers_every_kind_of_job_from_a_process_of_its_own()
    {
        using var scenario = new Scenario();
        using var worker = WorkerDriver.Start(scenario);

        var echo = worker.Run(new Job(1, JobKind.Echo, 99), Patience);
        var sleep = worker.Run(new Job(2, JobKind.Sleep, 150), Patience);
        var compute = worker.Run(new Job(3, JobKind.Compute, 200), Patience);
        var noisy = worker.Run(new Job(4, JobKind.Noisy, 300), Patience);
        output.WriteLine($"echo {echo}\nsleep {sleep}\ncompute {compute}\nnoisy {noisy}");

        echo.Should().Be(echo with { JobId = 1, Value = 99 });
        echo.ProcessId.Should().Be(worker.ProcessId).And.NotBe(Environment.ProcessId);
        Stopwatch.GetElapsedTime(sleep.StartTimestamp, sleep.EndTimestamp).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(140));
        // the worker's process CPU: its runtime's own threads (the JIT's background compiler) may work meanwhile
        sleep.CpuTime.Should().BeLessThan(TimeSpan.FromMilliseconds(100), "a sleeping worker computes nothing");
        compute.CpuTime.Should().BeGreaterThan(TimeSpan.FromMilliseconds(100), "200 ms of calibrated work uses about 200 ms of CPU");
        noisy.Value.Should().Be(300 * 1024, "300 KB written to standard error");
        sleep.StartTimestamp.Should().BeGreaterThanOrEqualTo(echo.EndTimestamp, "one worker runs its jobs one after another");
        worker.StandardError.Length.Should().BeGreaterThanOrEqualTo(300 * 1024);
        worker.CloseAndWait(Patience).Should().Be(0);
    }

    [Fact]
    public void A_checksum_job_answers_the_document_s_checksum_and_leaves_a_trace_line()
    {
        using var scenario = new Scenario();
        var folder = Directory.CreateTempSubdirectory("kata-worker-trace-").FullName;
        WorkerProgram.ChecksumTrace = folder;
        try
        {
            using var worker = WorkerDriver.Start(scenario);
            var document = "value of doc 7";
            var result = worker.Run(new Job(9, JobKind.Checksum, 0, document), Patience);

            result.Value.Should().Be(DocumentChecksum.Compute(document), "the worker computes DocumentChecksum.Compute of the job's text");
            result.ProcessId.Should().Be(worker.ProcessId);
            var trace = File.ReadAllText(Path.Combine(folder, $"{worker.ProcessId}.txt"));
            trace.Should().Be(WorkerLoop.ChecksumTraceLine(result, document), "one line per checksum job: PID, start, end, CPU ticks, the document");
        }
        finally
        {
            WorkerProgram.ChecksumTrace = null;
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_crash_job_exits_with_its_code_and_says_why_on_standard_error()
    {
        using var scenario = new Scenario();
        using var worker = WorkerDriver.Start(scenario);

        worker.Send(new Job(5, JobKind.Crash, 42));

        worker.WaitForExit(Patience).Should().Be(42);
        worker.StandardError.Should().Contain("job 5").And.Contain("42");
    }

    [Fact]
    public void A_worker_exits_when_its_standard_input_closes()
    {
        using var scenario = new Scenario();
        using var worker = WorkerDriver.Start(scenario);
        worker.Run(new Job(1, JobKind.Echo, 1), Patience);

        var took = Stopwatch.StartNew();
        var code = worker.CloseAndWait(TimeSpan.FromSeconds(5));

        code.Should().Be(0, "a worker whose parent has gone (its standard input closed) must not live on");
        output.WriteLine($"exited {took.ElapsedMilliseconds} ms after its input closed");
    }

    [SkippableFact]
    public void A_worker_whose_parent_dies_mid_job_exits_at_once()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/bin/sh"), "this check starts the worker from a shell that dies, and reads /proc: Linux only");
        // a shell starts the worker with a 30 s job, prints its PID, and exits after 0.3 s: the worker is orphaned mid-job
        var worker = WorkerProgram.StartInfo();
        var job = WorkerProtocol.Write(new Job(1, JobKind.Sleep, 30_000)).Replace("'", "'\\''", StringComparison.Ordinal);
        var shell = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add($"echo '{job}' | '{worker.FileName}' '{worker.ArgumentList[0]}' & echo $!; sleep 0.3");
        using var parent = Process.Start(shell)!;
        var pidLine = parent.StandardOutput.ReadLineAsync();
        pidLine.Wait(Patience).Should().BeTrue("the shell prints the worker's PID");
        var pid = int.Parse(pidLine.Result!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            parent.WaitForExit(Patience).Should().BeTrue();
            var took = Stopwatch.StartNew();
            while (ChildProcesses.IsRunning(pid) && took.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(20);
            }
            output.WriteLine($"the orphaned worker {pid} was gone {took.ElapsedMilliseconds} ms after its parent");
            ChildProcesses.IsRunning(pid).Should().BeFalse("a worker whose parent has gone must not sleep on for 30 s");
        }
        finally
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // gone, as it should be
            }
        }
    }

    [SkippableFact]
    public void A_worker_whose_starter_died_while_it_was_starting_up_exits_at_once()
    {
        Skip.If(OperatingSystem.IsWindows(), "the worker watches its parent on Unix only");
        // A starter killed in the ~100 ms before the worker's runtime is up: the worker's first parent
        // is already someone else, and a job written before the kill waits in its input pipe.
        int gone;
        using (var finished = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!)
        {
            finished.WaitForExit(Patience).Should().BeTrue();
            gone = finished.Id;
        }
        using var scenario = new Scenario();
        var info = WorkerProgram.StartInfo();
        info.Environment[WorkerLoop.StarterVariable] = gone.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var worker = Process.Start(info)!;
        scenario.Own(worker);
        worker.StandardInput.WriteLine(WorkerProtocol.Write(new Job(1, JobKind.Sleep, 30_000)));
        worker.StandardInput.Flush();

        var took = Stopwatch.StartNew();
        worker.WaitForExit(TimeSpan.FromSeconds(5)).Should().BeTrue(
            $"the worker was told that process {gone}, which had ended, started it: it must exit instead of sleeping 30 s for nobody");
        output.WriteLine($"exited {took.ElapsedMilliseconds} ms after it started, code {worker.ExitCode}");
        worker.ExitCode.Should().Be(WorkerLoop.ExitOrphaned);
    }

    [Fact]
    public void A_worker_process_given_bad_input_exits_non_zero_with_one_error_line()
    {
        using var scenario = new Scenario();
        using var worker = WorkerDriver.Start(scenario);

        worker.SendLine("{ broken");

        worker.WaitForExit(Patience).Should().Be(WorkerProtocol.ExitBadInput);
        worker.StandardError.Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("not a job");
    }

    [Fact]
    public void A_rendezvous_completes_only_when_all_its_parties_are_there_at_once()
    {
        using var scenario = new Scenario();
        using var first = WorkerDriver.Start(scenario);
        using var second = WorkerDriver.Start(scenario);
        using var meetings = new Meetings();
        var name = meetings.Name("pair");

        first.Send(new Job(1, JobKind.Rendezvous, 2, name));
        first.ReadLine(TimeSpan.FromMilliseconds(300)).Should().BeNull("one party of two waits for the other");

        second.Send(new Job(2, JobKind.Rendezvous, 2, name));
        var a = WorkerProtocol.ReadResult(first.ReadLine(Patience) ?? throw new TimeoutException(first.StandardError));
        var b = WorkerProtocol.ReadResult(second.ReadLine(Patience) ?? throw new TimeoutException(second.StandardError));

        (a.Value, b.Value).Should().Be((2L, 2L));
        a.ProcessId.Should().NotBe(b.ProcessId);
        // the two intervals overlap: each started before the other ended
        a.StartTimestamp.Should().BeLessThan(b.EndTimestamp);
        b.StartTimestamp.Should().BeLessThan(a.EndTimestamp);
    }
}
