// Approach: one loop over the calls in flight (Task.WhenAny): a call lost with its silo puts the job back on a new worker grain of its own (a fresh key per attempt, so a new activation placed among the silos alive), while the idempotency key (customer and job id) stays the same; a refusal ends the job.
using Orleans.Placement;
using Orleans.Runtime;

namespace ConcurrencyKata;

[RandomPlacement]
public sealed class JobWorkerGrain(IPayments payments) : Grain, IJobWorkerGrain
{
    public Task RunAsync(ChargeJob job) => payments.ChargeAsync($"{job.Customer}:{job.Id}", job);
}

public sealed class JobRunnerGrain : Grain, IJobRunnerGrain
{
    private const int MaxAttempts = 4;

    public async Task<RunReport> RunAsync(IReadOnlyList<ChargeJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var inFlight = new Dictionary<Task, (ChargeJob Job, int Attempt)>();
        var errors = new Dictionary<int, string?>();
        foreach (var job in jobs)
        {
            inFlight[Send(job, 1)] = (job, 1);
        }
        while (inFlight.Count > 0)
        {
            var finished = await Task.WhenAny(inFlight.Keys);
            var (job, attempt) = inFlight[finished];
            inFlight.Remove(finished);
            var error = finished.Exception?.InnerException;
            switch (error)
            {
                case null:
                    errors[job.Id] = null;
                    break;
                case SiloUnavailableException or OrleansMessageRejectionException or TimeoutException when attempt < MaxAttempts:
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
                    inFlight[Send(job, attempt + 1)] = (job, attempt + 1);
                    break;
                default:
                    errors[job.Id] = error.Message;
                    break;
            }
        }
        return new RunReport( // in the jobs' order, whatever order they ended in
            [.. jobs.Where(j => errors[j.Id] is null).Select(j => j.Id)],
            [.. jobs.Where(j => errors[j.Id] is not null).Select(j => new JobFailure(j.Id, errors[j.Id]!))]);
    }

    /// <summary>Each attempt on a worker of its own: the attempt in the key's high half, the job's id in the low half.</summary>
    private Task Send(ChargeJob job, int attempt)
        => GrainFactory.GetGrain<IJobWorkerGrain>(((long)attempt << 32) | (uint)job.Id).RunAsync(job);
}
