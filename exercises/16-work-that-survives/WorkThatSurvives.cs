namespace ConcurrencyKata;

/// <summary>
/// Exercise 16: a worker that runs one job by charging it through the payments service the silo
/// hands it in its constructor. See README.md.
/// </summary>
public sealed class JobWorkerGrain(IPayments payments) : Grain, IJobWorkerGrain
{
    private readonly IPayments _payments = payments;

    public Task RunAsync(ChargeJob job) => throw new NotImplementedException();
}

/// <summary>
/// Exercise 16: the runner, which sends every job to a worker grain and answers once each is done
/// or has failed by itself, even when a silo dies in the middle. See README.md.
/// </summary>
public sealed class JobRunnerGrain : Grain, IJobRunnerGrain
{
    public Task<RunReport> RunAsync(IReadOnlyList<ChargeJob> jobs) => throw new NotImplementedException();
}
