namespace ConcurrencyKata;

/// <summary>What a worker process is asked to do (see <see cref="Job"/>).</summary>
public enum JobKind
{
    /// <summary>Compute for <see cref="Job.Argument"/> ms of CPU time (calibrated <see cref="CpuWork"/>); the value is the computation's result.</summary>
    Compute,

    /// <summary>Sleep for <see cref="Job.Argument"/> ms without using CPU; the value is the argument.</summary>
    Sleep,

    /// <summary>
    /// Write a line to standard error, then exit with exit code <see cref="Job.Argument"/> without
    /// answering. With <see cref="Job.Text"/> set, first arrive at the rendezvous of that name as a
    /// party of one: a trace, read from outside, of each time the job ran.
    /// </summary>
    Crash,

    /// <summary>Answer at once; the value is the argument (a round trip and nothing else).</summary>
    Echo,

    /// <summary>Write <see cref="Job.Argument"/> KB to standard error before answering; the value is the number of bytes written.</summary>
    Noisy,

    /// <summary>
    /// Wait until <see cref="Job.Argument"/> workers have reached the rendezvous named
    /// <see cref="Job.Text"/>, then answer: proof that that many jobs were running at the same
    /// time, without a clock. The value is the number of workers that had arrived. A worker
    /// that waits longer than <see cref="WorkerProtocol.RendezvousTimeout"/> gives up and
    /// exits with <see cref="WorkerProtocol.ExitRendezvousTimedOut"/>.
    /// </summary>
    Rendezvous,

    /// <summary>
    /// Compute <see cref="DocumentChecksum.Compute"/> of the document in <see cref="Job.Text"/>; the
    /// value is the checksum (exercise 13 may digest its documents in worker processes).
    /// </summary>
    Checksum,
}

/// <summary>One job for a worker process: an id chosen by the sender, what to do, and its argument.</summary>
public sealed record Job(int Id, JobKind Kind, long Argument, string? Text = null);

/// <summary>
/// A worker's answer to one job: the job's id, its value, and where and when it ran: the
/// worker's process id, and the job's start and end as <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>
/// values (one clock for every process on the machine, so intervals from different workers
/// can be compared), and the CPU time the worker used on it.
/// </summary>
public sealed record JobResult(int JobId, long Value, int ProcessId, long StartTimestamp, long EndTimestamp, TimeSpan CpuTime);
