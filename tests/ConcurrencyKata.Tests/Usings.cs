global using ConcurrencyKata.Tests.Probes;
global using FluentAssertions;
global using Xunit;
