namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Rendezvous names for one test (see <see cref="Rendezvous"/>), each unique to it, and the
/// folders the workers leave behind, read and then deleted when the test ends. A worker leaves a
/// file in the rendezvous folder as it arrives, so the folder also says from outside which jobs
/// have started: a rendezvous for one party is a job that does nothing but leave that trace.
/// </summary>
public sealed class Meetings : IDisposable
{
    private readonly string _prefix = $"kata-{Guid.NewGuid():N}";
    private readonly List<string> _names = [];

    /// <summary>A new rendezvous name, unique to this test.</summary>
    public string Name(string what)
    {
        lock (_names)
        {
            var name = $"{_prefix}-{_names.Count}-{what}";
            _names.Add(name);
            return name;
        }
    }

    /// <summary>A job that only leaves a trace that it ran (a rendezvous for one party, named after the job).</summary>
    public Job Trace(int id) => new(id, JobKind.Rendezvous, 1, Name($"trace-{id}"));

    /// <summary>Whether the worker that ran <paramref name="trace"/> (<see cref="Trace"/>) got as far as running it.</summary>
    public static bool Ran(Job trace) => Arrived(trace.Text!) > 0;

    /// <summary>How many parties have arrived at the rendezvous called <paramref name="name"/>.</summary>
    public static int Arrived(string name)
    {
        try
        {
            return Directory.GetFiles(Rendezvous.FolderOf(name)).Length;
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        lock (_names)
        {
            foreach (var name in _names)
            {
                try
                {
                    Directory.Delete(Rendezvous.FolderOf(name), recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                    // nobody arrived
                }
                catch (IOException)
                {
                    // a worker arriving late: the temporary folder is cleaned some other day
                }
            }
        }
    }
}
