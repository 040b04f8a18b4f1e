using System.Globalization;
using System.Xml.Linq;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>Summarises the Cobertura files that coverlet writes: line and branch rates per package and class.</summary>
public static class Coverage
{
    public sealed record Row(string Package, string Class, double LineRate, double BranchRate);

    public static IReadOnlyList<Row> Read(string coberturaPath)
    {
        var doc = XDocument.Load(coberturaPath);
        return doc.Descendants("package")
            .SelectMany(p => p.Descendants("class").Select(c => new Row(
                (string?)p.Attribute("name") ?? "",
                (string?)c.Attribute("name") ?? "",
                Rate(c, "line-rate"),
                Rate(c, "branch-rate"))))
            .ToList();
    }

    public static void Print(IAnsiConsole console, IReadOnlyList<Row> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("package");
        table.AddColumn("class");
        table.AddColumn(new TableColumn("lines").RightAligned());
        table.AddColumn(new TableColumn("branches").RightAligned());
        foreach (var row in rows.OrderBy(r => r.Package, StringComparer.Ordinal).ThenBy(r => r.Class, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(row.Package), Markup.Escape(row.Class), $"{row.LineRate:P0}", $"{row.BranchRate:P0}");
        }
        console.Write(table);
        foreach (var package in rows.GroupBy(r => r.Package).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            console.MarkupLine($"{Markup.Escape(package.Key)}: {package.Average(r => r.LineRate):P0} of lines, {package.Average(r => r.BranchRate):P0} of branches (mean over classes)");
        }
    }

    private static double Rate(XElement element, string attribute)
        => double.TryParse((string?)element.Attribute(attribute), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
