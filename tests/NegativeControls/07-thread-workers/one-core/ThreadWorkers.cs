// Mistake: confines every worker thread to the same one CPU (as a process limited to one core, or CPython's GIL, would): every check of overlap passes, but the workers never compute at the same instant.
// Caught by: Cpu_bound_items_run_in_parallel_on_several_cores
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, items.Count));
        var results = new TOut[items.Count];
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => new Thread(() =>
        {
            if (OperatingSystem.IsLinux())
            {
                var one = new ulong[16];
                one[0] = 1;
                sched_setaffinity(0, (nint)(one.Length * sizeof(ulong)), one); // this thread: CPU 0 only
            }
            while (queue.TryDequeue(out var index))
            {
                try
                {
                    results[index] = work(items[index]);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong[] mask);

}
