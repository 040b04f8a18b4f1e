using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConcurrencyKata;

/// <summary>
/// The worker program's protocol: one <see cref="Job"/> per line on its standard input, one
/// <see cref="JobResult"/> per line on its standard output, in the order the jobs came, each
/// line a JSON object. Standard error is free text (a worker may write a lot there).
/// A line that is not a job gets one error line on standard error and exit code
/// <see cref="ExitBadInput"/>; when standard input closes, the worker exits with 0.
/// </summary>
public static class WorkerProtocol
{
    /// <summary>The worker's exit code after a line that is not a job.</summary>
    public const int ExitBadInput = 2;

    /// <summary>The worker's exit code when a rendezvous was not complete within <see cref="RendezvousTimeout"/>.</summary>
    public const int ExitRendezvousTimedOut = 3;

    /// <summary>How long a <see cref="JobKind.Rendezvous"/> job waits for the other parties before giving up.</summary>
    public static readonly TimeSpan RendezvousTimeout = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        // a line without "id" or "kind" is not a job (rather than job 0, Compute)
        RespectRequiredConstructorParameters = true,
        WriteIndented = false,
    };

    /// <summary>One line (without the line break) that <see cref="ReadJob"/> reads back.</summary>
    public static string Write(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return JsonSerializer.Serialize(job, Options);
    }

    /// <summary>The job on <paramref name="line"/>; <see cref="FormatException"/> when it is not one.</summary>
    public static Job ReadJob(string line) => Read<Job>(line, "job");

    /// <summary>One line (without the line break) that <see cref="ReadResult"/> reads back.</summary>
    public static string Write(JobResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(result, Options);
    }

    /// <summary>The result on <paramref name="line"/>; <see cref="FormatException"/> when it is not one.</summary>
    public static JobResult ReadResult(string line) => Read<JobResult>(line, "job result");

    private static T Read<T>(string line, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            return JsonSerializer.Deserialize<T>(line, Options)
                   ?? throw new FormatException($"not a {what}: 'null'");
        }
        catch (JsonException e)
        {
            var shown = line.Length > 200 ? line[..200] + "..." : line;
            throw new FormatException($"not a {what}: '{shown}' ({e.Message})", e);
        }
    }
}
