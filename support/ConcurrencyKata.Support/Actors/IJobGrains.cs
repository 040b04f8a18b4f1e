namespace ConcurrencyKata;

/// <summary>A job of exercise 16: charge <paramref name="Amount"/> to <paramref name="Customer"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ChargeJob([property: Id(0)] int Id, [property: Id(1)] string Customer, [property: Id(2)] long Amount);

/// <summary>How a run of jobs ended: every job is in one of the two lists, once, in the order the jobs were given (not the order they ended in).</summary>
/// <param name="Done">The ids of the jobs charged.</param>
/// <param name="Failed">The jobs that failed by themselves (the payment was refused), each with its error, and the jobs given up after their last try, each with its last error.</param>
[GenerateSerializer, Immutable]
public sealed record RunReport([property: Id(0)] IReadOnlyList<int> Done, [property: Id(1)] IReadOnlyList<JobFailure> Failed);

/// <summary>A job that failed by itself, and the message of its error.</summary>
[GenerateSerializer, Immutable]
public sealed record JobFailure([property: Id(0)] int JobId, [property: Id(1)] string Error);

/// <summary>
/// A worker of exercise 16: runs one job on the silo it lives on, by charging it through the
/// payments service that every silo gives its grains (<see cref="IPayments"/>). Which key a job
/// goes to is the runner's choice.
/// </summary>
public interface IJobWorkerGrain : IGrainWithIntegerKey
{
    Task RunAsync(ChargeJob job);
}

/// <summary>
/// The runner of exercise 16. Get one with <c>grainFactory.GetGrain&lt;IJobRunnerGrain&gt;("any name")</c>.
/// </summary>
public interface IJobRunnerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Runs every job, all at once, on worker grains spread over the silos, and answers once each is
    /// done or has failed by itself. A job whose worker's silo dies before it answers is run again,
    /// on a silo still alive, a few times at most (no more than 10 tries), then reported as failed;
    /// a job whose payment is refused (<see cref="InvalidOperationException"/>) is reported as failed
    /// and not run again. No job is charged twice.
    /// </summary>
    Task<RunReport> RunAsync(IReadOnlyList<ChargeJob> jobs);
}

/// <summary>
/// The payments service of exercise 16: outside the silos, so that it outlives any of them (as a
/// database or a payment provider does). A grain receives it in its constructor.
/// </summary>
public interface IPayments
{
    /// <summary>
    /// Charges the job's amount to its customer, once per <paramref name="idempotencyKey"/>: a second
    /// charge with a key already charged charges nothing more and answers as the first did. A refused
    /// payment throws <see cref="InvalidOperationException"/>.
    /// </summary>
    Task ChargeAsync(string idempotencyKey, ChargeJob job);
}
