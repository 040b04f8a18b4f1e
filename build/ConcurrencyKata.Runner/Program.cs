using ConcurrencyKata.Runner;

// `kata <target> [--parameter=value ...]`: the build scripts forward their target here; every
// target is a class in Commands.cs, and `help` lists them from that table.
return Commands.Run(args, Terminal.Create());
