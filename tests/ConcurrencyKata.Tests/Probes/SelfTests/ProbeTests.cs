using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes.SelfTests;

/// <summary>The probes must be able to tell right from wrong before any exercise relies on them.</summary>
public sealed class ProbeTests
{
    [Fact]
    public void The_in_flight_counter_remembers_its_peak()
    {
        var counter = new InFlightCounter();
        var a = counter.Enter();
        var b = counter.Enter();
        b.Dispose();
        var c = counter.Enter();
        c.Dispose();
        a.Dispose();

        counter.Max.Should().Be(2);
        counter.Current.Should().Be(0);
        counter.Total.Should().Be(3);
    }

    [Fact]
    public void The_start_gate_reports_how_many_arrived_and_holds_them_until_opened()
    {
        var gate = new StartGate(3);
        var first = gate.ArriveAndWaitAsync(CancellationToken.None);
        var second = gate.ArriveAndWaitAsync(CancellationToken.None);

        gate.WaitForAll(TimeSpan.FromMilliseconds(50)).Should().BeFalse("only 2 of 3 arrived");
        gate.Arrived.Should().Be(2);
        first.IsCompleted.Should().BeFalse("the gate is closed");

        var third = gate.ArriveAndWaitAsync(CancellationToken.None);
        gate.WaitForAll(TimeSpan.FromSeconds(1)).Should().BeTrue();
        gate.Open();
        Task.WaitAll([first, second, third], TimeSpan.FromSeconds(5)).Should().BeTrue();
    }

    [Fact]
    public void A_scenario_gives_up_on_a_task_that_never_finishes_and_releases_the_fakes()
    {
        using var scenario = new Scenario();
        var gate = new StartGate(2);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.AtGate(gate));
        var pending = fetcher.FetchAsync("never", CancellationToken.None);

        var act = () => scenario.Wait(pending, TimeSpan.FromMilliseconds(100), "Expected the fetch to finish.");

        act.Should().Throw<Xunit.Sdk.XunitException>()
            .Which.Message.Should().Contain("Expected the fetch to finish.").And.Contain("fetch never");
        scenario.Abort.IsCancellationRequested.Should().BeTrue("giving up pulls the kill switch");
        SpinWait.SpinUntil(() => pending.IsCompleted, TimeSpan.FromSeconds(5)).Should().BeTrue("the kill switch releases the fake");
    }

    [Fact]
    public void A_scenario_reports_a_call_that_blocks_its_caller()
    {
        using var scenario = new Scenario();
        using var never = new ManualResetEventSlim();

        var act = () => scenario.CallOnOwnThread(() => never.Wait(TimeSpan.FromSeconds(10)), TimeSpan.FromMilliseconds(100), "Expected a quick return.");

        act.Should().Throw<Xunit.Sdk.XunitException>().Which.Message.Should().Contain("had not returned");
        never.Set();
    }

    [Fact]
    public void The_event_loop_runs_continuations_on_its_own_thread()
    {
        using var loop = new SingleThreadLoop();
        var threads = new List<int>();

        var call = loop.Start(async () =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Delay(10);
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            threads.Add(Environment.CurrentManagedThreadId);
            return threads.Count;
        });

        call.Task.Wait(TimeSpan.FromSeconds(5)).Should().BeTrue();
        call.WasCompleteOnReturn(TimeSpan.Zero).Should().BeFalse();
        threads.Should().HaveCount(3).And.OnlyContain(id => id == loop.ThreadId);
    }

    [Fact]
    public void The_heartbeat_exposes_a_blocked_loop()
    {
        using var loop = new SingleThreadLoop();
        SpinWait.SpinUntil(() => loop.BeatsSince(0) > 2, TimeSpan.FromSeconds(5));

        var from = Stopwatch.GetTimestamp();
        loop.Invoke(() => Thread.Sleep(300), TimeSpan.FromSeconds(5)).Should().BeTrue();
        SpinWait.SpinUntil(() => loop.BeatsSince(from) > 2, TimeSpan.FromSeconds(5));

        loop.LargestGapSince(from).Should().BeGreaterThan(TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public void The_heartbeat_keeps_ticking_while_the_loop_awaits()
    {
        using var loop = new SingleThreadLoop();
        SpinWait.SpinUntil(() => loop.BeatsSince(0) > 2, TimeSpan.FromSeconds(5));

        var from = Stopwatch.GetTimestamp();
        var call = loop.Start(async () =>
        {
            await Task.Delay(300);
            return 0;
        });
        call.Task.Wait(TimeSpan.FromSeconds(5)).Should().BeTrue();

        loop.BeatsSince(from).Should().BeGreaterThan(5, "a 10 ms heartbeat runs many times during a 300 ms await");
    }

    [Fact]
    public void A_blocking_wait_on_the_loop_is_seen_as_a_call_that_never_returns()
    {
        using var loop = new SingleThreadLoop();

        var call = loop.Start(() =>
        {
            // the classic deadlock: block the loop on work that needs the loop
            var inner = Inner();
            return Task.FromResult(inner.Result);

            static async Task<int> Inner()
            {
                await Task.Delay(10);
                return 1;
            }
        });

        call.WasCompleteOnReturn(TimeSpan.FromMilliseconds(300)).Should().BeNull("the loop thread is stuck in .Result");
    }

    [Fact]
    public void The_cpu_meter_sees_computation_but_not_sleep()
    {
        var meter = CpuMeter.Start();
        Thread.Sleep(200);
        var sleeping = meter.Read();

        meter = CpuMeter.Start();
        CpuWork.Burn(TimeSpan.FromMilliseconds(200));
        var computing = meter.Read();

        sleeping.Cpu.Should().BeLessThan(TimeSpan.FromMilliseconds(100), "sleeping costs no CPU");
        computing.Cpu.Should().BeGreaterThan(TimeSpan.FromMilliseconds(100), "burning 200 ms of CPU shows as CPU time");
    }

    [Fact]
    public void The_thread_cpu_meter_counts_only_its_own_thread()
    {
        CpuMeter.ThreadCpuTime().Should().NotBeNull("this platform has a per-thread CPU clock");
        var meter = CpuMeter.StartForCurrentThread();
        var other = new Thread(() => CpuWork.Burn(TimeSpan.FromMilliseconds(300)));
        other.Start();
        other.Join();
        var idle = meter.Read();

        // a fixed amount of work, whatever else the machine does: its CPU time is what it costs
        // at full speed (CpuWork is calibrated on fully optimised code), however long it waits
        CpuWork.Burn(TimeSpan.FromMilliseconds(200));
        var busy = meter.Read();

        idle.Cpu.Should().BeLessThan(TimeSpan.FromMilliseconds(100), "another thread's computation is not ours");
        busy.Cpu.Should().BeGreaterThan(TimeSpan.FromMilliseconds(100), "our own computation is");
    }

    [Fact]
    public void The_simultaneous_fetcher_catches_an_unsynchronised_counter_and_passes_an_interlocked_one()
    {
        using var scenario = new Scenario();
        var keys = Enumerable.Range(0, 2000).Select(i => $"k{i}").ToList();

        // eight workers share a next-index counter: plainly, or with Interlocked
        string? Round(bool interlocked)
        {
            using var fetcher = new SimultaneousFetcher(scenario, keys, waveSize: 8);
            var values = new string[keys.Count];
            var next = -1;
            async Task WorkAsync()
            {
                while (true)
                {
                    var i = interlocked ? Interlocked.Increment(ref next) : ++next;
                    if (i >= keys.Count)
                    {
                        return;
                    }
                    values[i] = await fetcher.FetchAsync(keys[i], CancellationToken.None).ConfigureAwait(false);
                }
            }
            var (_, error) = scenario.Attempt(async () =>
            {
                await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => WorkAsync())).ConfigureAwait(false);
                return 0;
            }, TimeSpan.FromSeconds(5), "Expected the workers to finish.");
            return SimultaneousRounds.Judge(values, error, fetcher);
        }

        SimultaneousRounds.FirstFault(_ => Round(interlocked: false)).Should().NotBeNull("a plain ++ shared by workers that resume at the same instant loses updates");
        SimultaneousRounds.FirstFault(_ => Round(interlocked: true)).Should().BeNull("Interlocked.Increment loses nothing");
    }

    [Fact]
    public void The_thread_census_counts_a_pool_thread_held_by_a_wait_but_not_an_awaiting_task()
    {
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));
        using var release = new ManualResetEventSlim();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var awaiting = Task.Run(async () => await gate.Task.ConfigureAwait(false));
        var blocked = Task.Run(() => release.Wait(TimeSpan.FromSeconds(5)));
        // threads of our own, each parked before the census starts. Six, not three: the runtime's own
        // threads come and go (a census "before" that saw one that later ended reads one thread short),
        // and under load three parked threads once read as 2, no more than the tolerance.
        const int parked = 6;
        using var allParked = new CountdownEvent(parked);
        var threads = Enumerable.Range(0, parked).Select(_ => new Thread(() =>
        {
            allParked.Signal();
            release.Wait(TimeSpan.FromSeconds(5));
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        allParked.Wait(TimeSpan.FromSeconds(5)).Should().BeTrue("every thread of our own starts within 5 s");

        var held = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(200)).Minus(before);
        release.Set();
        gate.SetResult();
        Task.WaitAll([awaiting, blocked], TimeSpan.FromSeconds(5)).Should().BeTrue();
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(5)));

        held.BusyPoolThreads.Should().Be(1, "one pool thread is blocked in Wait; the awaiting task holds none");
        held.OtherThreads.Should().BeGreaterThan(ThreadCensus.OtherThreadsTolerated, $"{parked} threads of our own are parked (census: {held})");
    }

    [SkippableFact]
    public void The_thread_meter_counts_wake_ups_of_a_polling_thread_not_of_a_blocked_one()
    {
        Skip.IfNot(CpuMeter.ThreadWakeups() is not null, "this platform does not report a thread's wake-ups (only Linux does)");

        using var signal = new ManualResetEventSlim();
        var meter = CpuMeter.StartForCurrentThread();
        signal.Wait(TimeSpan.FromMilliseconds(300));
        var blocked = meter.Read();

        meter = CpuMeter.StartForCurrentThread();
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3 / 10;
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.Sleep(5);
        }
        var polling = meter.Read();

        blocked.Wakeups.Should().BeLessThanOrEqualTo(3, "a thread blocked on one wait wakes once, when it times out");
        polling.Wakeups.Should().BeGreaterThan(20, "sleeping 5 ms at a time for 300 ms wakes the thread about 60 times");
    }

    [SkippableFact]
    public void The_parallelism_probe_tells_one_core_at_a_time_from_two_at_once_with_a_core_busy_elsewhere()
    {
        Skip.If(Environment.ProcessorCount < 2, $"this machine has {Environment.ProcessorCount} core: nothing can run in parallel here");
        var work = TimeSpan.FromMilliseconds(300);
        // keep one core busy elsewhere, unless something else already does
        var idle = ParallelismProbe.Calibrate(work);
        using var neighbour = idle >= 1.6 && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            ? System.Diagnostics.Process.Start("/bin/sh", ["-c", "while :; do :; done"])
            : null;
        try
        {
            var serial = ParallelismProbe.Judge(() =>
            {
                CpuWork.Burn(work);
                CpuWork.Burn(work);
            }, calibration: work, stopAtSerial: true);
            var parallel = ParallelismProbe.Judge(() =>
            {
                var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() => CpuWork.Burn(work))).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
            }, calibration: work);

            // never wrong, whatever the machine does
            serial.Verdict.Should().NotBe(ParallelismProbe.Verdict.Parallel, $"one thread computes at a time:\n{serial}");
            parallel.Verdict.Should().NotBe(ParallelismProbe.Verdict.Serial, $"two threads compute at once:\n{parallel}");
            // and decisive when the machine lends a second core at all
            Skip.If(serial.Verdict == ParallelismProbe.Verdict.Inconclusive || parallel.Verdict == ParallelismProbe.Verdict.Inconclusive,
                $"the machine lent no second core in {serial.Attempts.Count + parallel.Attempts.Count} attempts (idle calibration {idle:0.00}):\n{serial}\n{parallel}");
            serial.Verdict.Should().Be(ParallelismProbe.Verdict.Serial);
            parallel.Verdict.Should().Be(ParallelismProbe.Verdict.Parallel);
        }
        finally
        {
            neighbour?.Kill();
            neighbour?.WaitForExit(5000);
        }
    }

    [Fact]
    public void A_work_reading_blames_the_code_only_when_a_second_core_was_free_on_both_sides_of_it()
    {
        // read on a loaded machine: a calibration of 1.30, then two threads computing got one core (1.06), then 1.04
        var starved = new CpuMeter.Reading(TimeSpan.FromMilliseconds(625), TimeSpan.FromMilliseconds(590));
        new ParallelismProbe.Attempt(1.30, starved, 1.04).Verdict.Should().Be(ParallelismProbe.Verdict.Inconclusive);
        new ParallelismProbe.Attempt(1.04, starved, 1.30).Verdict.Should().Be(ParallelismProbe.Verdict.Inconclusive);
        new ParallelismProbe.Attempt(1.30, starved, 1.30).Verdict.Should().Be(ParallelismProbe.Verdict.Serial);

        var oneWorker = TimeSpan.FromMilliseconds(600);
        var twoOnOneCore = new CpuMeter.Reading(TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(600));
        ParallelSpeedup.Calibration Lent(double ratio, double msAtOnce = 0) => new(ratio, TimeSpan.FromMilliseconds(msAtOnce));
        new ParallelSpeedup.Attempt(Lent(1.30), oneWorker, twoOnOneCore, null, Lent(1.04)).Verdict.Should().Be(ParallelismProbe.Verdict.Inconclusive);
        new ParallelSpeedup.Attempt(Lent(1.04), oneWorker, twoOnOneCore, null, Lent(1.30)).Verdict.Should().Be(ParallelismProbe.Verdict.Inconclusive);
        new ParallelSpeedup.Attempt(Lent(1.30), oneWorker, twoOnOneCore, null, Lent(1.30)).Verdict.Should().Be(ParallelismProbe.Verdict.Serial);
        // the work's own evidence of two cores needs no calibration
        var twoOnTwoCores = new CpuMeter.Reading(TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(400));
        new ParallelSpeedup.Attempt(Lent(1.00), oneWorker, twoOnTwoCores, null, Lent(1.00)).Verdict.Should().Be(ParallelismProbe.Verdict.Parallel);

        // watched moments decide on a machine whose cores are all busy: the averages read 1.0 there, whatever the code
        var none = TimeSpan.Zero;
        new ParallelSpeedup.Attempt(Lent(1.00), oneWorker, twoOnOneCore, TimeSpan.FromMilliseconds(9), Lent(1.00)).Verdict.Should().Be(ParallelismProbe.Verdict.Parallel);
        new ParallelSpeedup.Attempt(Lent(1.00, 12), oneWorker, twoOnOneCore, none, Lent(1.01, 8)).Verdict.Should().Be(ParallelismProbe.Verdict.Serial);
        new ParallelSpeedup.Attempt(Lent(1.00, 12), oneWorker, twoOnOneCore, none, Lent(1.00, 0)).Verdict.Should().Be(ParallelismProbe.Verdict.Inconclusive, "the raw threads after it never computed at once");
        new ParallelSpeedup.Attempt(Lent(1.90, 55), oneWorker, twoOnOneCore, TimeSpan.FromMilliseconds(1), Lent(1.90, 55)).Verdict.Should().Be(ParallelismProbe.Verdict.Inconclusive, "1 ms at once is neither");
    }

    [SkippableFact]
    public void The_moments_probe_never_sees_threads_confined_to_one_core_compute_at_once_and_sees_free_threads_do()
    {
        Skip.If(Environment.ProcessorCount < 2, $"this machine has {Environment.ProcessorCount} core: nothing can compute at once here");
        var iterations = CpuWork.IterationsFor(TimeSpan.FromMilliseconds(100));
        (TimeSpan Together, TimeSpan Computing, double Ratio) Round(bool confined)
        {
            var moments = new ComputingAtOnce();
            var meter = CpuMeter.Start();
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
            {
                if (confined)
                {
                    OneCore.ConfineThisThread();
                }
                moments.Spin(iterations, (ulong)i + 1);
            }) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join(TimeSpan.FromSeconds(30)).Should().BeTrue("100 ms of computing each ends"));
            return (moments.Together, moments.Computing, meter.Read().Ratio);
        }

        if (OneCore.CanConfine)
        {
            for (var round = 0; round < 5; round++)
            {
                var (together, computing, _) = Round(confined: true);
                computing.Should().BeGreaterThan(TimeSpan.FromMilliseconds(100), "two threads computed 100 ms each, seen in runs of computing");
                together.Should().BeLessThanOrEqualTo(ParallelSpeedup.TogetherAtMostWhenSerial, $"two threads on one core never compute at the same instant (round {round + 1})");
            }
        }

        var free = Enumerable.Range(0, 5).Select(_ => Round(confined: false)).ToList();
        var shown = string.Join("; ", free.Select(f => $"{f.Together.TotalMilliseconds:0.0} ms at once, CPU/wall {f.Ratio:0.00}"));
        // CPU time well above wall time means the two computed at once for much of the round: the moments must see it
        free.Where(f => f.Ratio >= 1.5 && f.Together < ParallelSpeedup.TogetherAtLeast).Should().BeEmpty(shown);
        Skip.If(free.All(f => f.Together < ParallelSpeedup.TogetherAtLeast), $"the machine never ran the two free threads at once: {shown}");
    }

    [Fact]
    public void Controlled_work_blocks_each_thread_until_answered_in_any_order_and_knows_which_thread_ran_it()
    {
        using var scenario = new Scenario();
        var work = new ControlledWork<int, int>(scenario, i => i * 10);
        var results = new ConcurrentDictionary<int, int>();
        // a failed assertion disposes the scenario, which fails the blocked calls: caught here, not on a thread nobody watches
        var threads = new[] { 1, 2 }.Select(i => new Thread(() =>
        {
            try
            {
                results[i] = work.Work(i);
            }
            catch (OperationCanceledException)
            {
            }
        }) { IsBackground = true, Name = $"worker {i}" }).ToList();
        threads.ForEach(t => t.Start());

        work.WaitForCalls(2, TimeSpan.FromSeconds(5)).Should().BeTrue();
        scenario.InFlight.Current.Should().Be(2, "both items are in progress, each blocking its own thread");
        scenario.ThreadsLeftBehind(TimeSpan.FromMilliseconds(50)).Should().HaveCount(2, "both workers are still blocked");

        work.Answer(2);
        work.WaitUntilFinished(2, TimeSpan.FromSeconds(5)).Should().BeTrue();
        work.Pending.Should().Equal(1);
        work.Answer(1);

        scenario.ThreadsLeftBehind(TimeSpan.FromSeconds(5)).Should().BeEmpty("answered workers return and end");
        results.Should().BeEquivalentTo(new Dictionary<int, int> { [1] = 10, [2] = 20 });
        work.Calls.Select(c => c.ThreadId).Should().BeEquivalentTo(threads.Select(t => t.ManagedThreadId));
        work.Calls.Should().OnlyContain(c => !c.IsThreadPoolThread);
    }

    [Fact]
    public void A_thread_can_arrive_at_the_start_gate_and_wait_there_synchronously()
    {
        var gate = new StartGate(3);
        var passed = 0;
        var threads = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            if (gate.ArriveAndWait(TimeSpan.FromSeconds(5), CancellationToken.None))
            {
                Interlocked.Increment(ref passed);
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());

        gate.WaitForAll(TimeSpan.FromSeconds(5)).Should().BeTrue();
        Volatile.Read(ref passed).Should().Be(0, "the gate is still closed");
        gate.Open();
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(5)));

        passed.Should().Be(3);
    }

    [SkippableFact]
    public void A_child_process_the_scenario_owns_does_not_outlive_the_test()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "the child is /bin/sleep");
        int pid;
        using (var scenario = new Scenario())
        {
            var child = Process.Start("/bin/sleep", "30");
            pid = child.Id;
            scenario.Own(child);
            scenario.ProcessesLeftBehind(TimeSpan.FromMilliseconds(50)).Should().ContainSingle("the child is still sleeping");
        }

        Process.GetProcesses().Any(p => p.Id == pid).Should().BeFalse("disposing the scenario kills (and reaps) what it owns");
    }
}

/// <summary>Confines the calling thread to CPU 0, as a process limited to one core would be (Linux only).</summary>
internal static partial class OneCore
{
    public static bool CanConfine => OperatingSystem.IsLinux();

    public static void ConfineThisThread()
    {
        var mask = new ulong[16];
        mask[0] = 1;
        if (sched_setaffinity(0, mask.Length * sizeof(ulong), mask) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity failed: {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, ulong[] mask);
}
