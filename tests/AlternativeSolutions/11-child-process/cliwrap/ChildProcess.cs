// Approach: CliWrap, a well-known library for child processes: the job goes in as the standard input, both outputs are collected into StringBuilders at the same time, and a cancelled token kills the child.
using System.Text;
using CliWrap;

namespace ConcurrencyKata;

public static class ChildProcess
{
    public static async Task<JobResult> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var info = WorkerProgram.StartInfo();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();

        var ran = await Cli.Wrap(info.FileName)
            .WithArguments(info.ArgumentList)
            .WithEnvironmentVariables(env =>
            {
                foreach (var (name, value) in info.Environment)
                {
                    env.Set(name, value);
                }
            })
            .WithStandardInputPipe(PipeSource.FromString(WorkerProtocol.Write(job) + "\n"))
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellationToken)
            .ConfigureAwait(false);

        if (ran.ExitCode != 0)
        {
            throw new WorkerFailedException($"The worker for job {job.Id} exited with code {ran.ExitCode}.", ran.ExitCode, stderr.ToString(), job.Id);
        }
        var line = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                   ?? throw new WorkerFailedException($"The worker for job {job.Id} exited without an answer.", ran.ExitCode, stderr.ToString(), job.Id);
        try
        {
            return WorkerProtocol.ReadResult(line);
        }
        catch (FormatException e)
        {
            throw new WorkerFailedException($"The worker for job {job.Id} did not answer with a result.", ran.ExitCode, stderr.ToString(), job.Id, e);
        }
    }
}
