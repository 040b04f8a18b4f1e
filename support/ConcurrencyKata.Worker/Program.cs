// The worker program: jobs in on standard input, results out on standard output, until standard
// input closes (so a worker whose parent is gone exits too; mid-job, the parent watch ends it). See WorkerProtocol.
ConcurrencyKata.WorkerLoop.ExitWhenOrphaned(Environment.GetEnvironmentVariable(ConcurrencyKata.WorkerLoop.StarterVariable));
return ConcurrencyKata.WorkerLoop.Run(Console.In, Console.Out, Console.Error, Environment.GetEnvironmentVariable(ConcurrencyKata.WorkerLoop.FaultVariable));
