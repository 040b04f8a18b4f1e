namespace ConcurrencyKata;

/// <summary>Exercise 10: a global interpreter lock, as CPython has one. Read README.md in this folder first.</summary>
public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    /// <summary>
    /// A lock whose holder hands it to a waiting thread once it has held it for
    /// <paramref name="switchInterval"/> (which must be positive).
    /// </summary>
    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        throw new NotImplementedException(
            "Exercise 10 is waiting for you: see exercises/10-gil/README.md");
    }

    /// <summary>Blocks, without burning CPU, until the calling thread holds the lock.</summary>
    public void Acquire()
    {
        throw new NotImplementedException(
            "Exercise 10 is waiting for you: see exercises/10-gil/README.md");
    }

    /// <summary>Gives the lock up (only the holder may), letting a waiter in.</summary>
    public void Release()
    {
        throw new NotImplementedException(
            "Exercise 10 is waiting for you: see exercises/10-gil/README.md");
    }

    /// <summary>
    /// Called by the holder after each unit of work. When the holder has had the lock for the
    /// switch interval and another thread is waiting, hand the lock to a waiter, fairly.
    /// </summary>
    public void Tick()
    {
        throw new NotImplementedException(
            "Exercise 10 is waiting for you: see exercises/10-gil/README.md");
    }
}
