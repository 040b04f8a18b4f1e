namespace ConcurrencyKata;

/// <summary>
/// A worker process failed: it exited with a non-zero code, or its answer could not be read.
/// Carries what there is to know: the exit code (null while it is still running or when it
/// was not waited for), what it wrote to standard error, and the job it was working on.
/// </summary>
public sealed class WorkerFailedException : Exception
{
    public WorkerFailedException(string message, int? exitCode = null, string standardError = "", int? jobId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
        StandardError = standardError;
        JobId = jobId;
    }

    public WorkerFailedException()
        : this("A worker process failed.")
    {
    }

    public WorkerFailedException(string message)
        : this(message, exitCode: null)
    {
    }

    public WorkerFailedException(string message, Exception innerException)
        : this(message, null, "", null, innerException)
    {
    }

    /// <summary>The worker's exit code, or null when it had not exited (or was not waited for).</summary>
    public int? ExitCode { get; }

    /// <summary>What the worker wrote to standard error (possibly only its last part).</summary>
    public string StandardError { get; }

    /// <summary>The job the worker was running, when known.</summary>
    public int? JobId { get; }
}
