using Orleans.Placement;
using Orleans.Runtime;

namespace ConcurrencyKata;

/// <summary>
/// Exercise 16, reference solution: a worker charges its job with a key that names the job, not
/// the attempt, so a job run twice (its silo died after the charge, before the answer) is charged
/// once. It keeps nothing in memory: what it did is in the payments service.
/// </summary>
[RandomPlacement]
public sealed class JobWorkerGrain(IPayments payments) : Grain, IJobWorkerGrain
{
    public Task RunAsync(ChargeJob job) => payments.ChargeAsync($"job-{job.Id}", job);
}

/// <summary>
/// Exercise 16, reference solution: each job goes to a worker grain of its own (key: the job's id),
/// all at once. A job is done only when its worker has answered. A call that fails because the
/// worker's silo went away is made again: Orleans activates the worker anew on a silo still alive.
/// A refused payment is the job's own failure and is reported, not retried.
/// </summary>
public sealed class JobRunnerGrain : Grain, IJobRunnerGrain
{
    /// <summary>How many times a job is tried before its last error is reported.</summary>
    private const int Attempts = 5;

    public async Task<RunReport> RunAsync(IReadOnlyList<ChargeJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var outcomes = await Task.WhenAll(jobs.Select(RunOneAsync));
        var done = new List<int>();
        var failed = new List<JobFailure>();
        foreach (var (job, error) in jobs.Zip(outcomes)) // the jobs' order, whatever order they ended in
        {
            if (error is null)
            {
                done.Add(job.Id);
            }
            else
            {
                failed.Add(new JobFailure(job.Id, error));
            }
        }
        return new RunReport(done, failed);
    }

    /// <summary>Runs one job until it is done (null) or has failed by itself (its error).</summary>
    private async Task<string?> RunOneAsync(ChargeJob job)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await GrainFactory.GetGrain<IJobWorkerGrain>(job.Id).RunAsync(job);
                return null;
            }
            catch (InvalidOperationException refused)
            {
                return refused.Message; // the job's own failure: running it again would fail again
            }
            catch (Exception lost) when (lost is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
            {
                // the worker's silo went away before it answered: the job may or may not have been
                // charged, and the same key makes a second charge harmless
                if (attempt == Attempts)
                {
                    return $"gave up after {Attempts} attempts: {lost.Message}";
                }
                // a moment before the next try: until the cluster has declared the silo dead, the
                // worker's entry in the grain directory may still point at it
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }
}
