using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Repro.Experiments.Running;

namespace Repro.Experiments.Reporting;

/// <summary>gnuplot is missing or failed on a script. The message names the script and what to do.</summary>
public sealed class GnuplotException : Exception
{
    public GnuplotException(string message) : base(message) { }

    public GnuplotException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Turns a <see cref="FigureSpec"/> into a gnuplot script that reads only the CSV beside it, so anyone can edit the
/// script and rerun <c>gnuplot name.gp</c> in the report folder. The text depends on the spec alone (no dates, no
/// paths), which keeps rebuilt reports byte-identical.
/// </summary>
public static class GnuplotScript
{
    public static string DataFileName(FigureSpec spec) => DataFileName(spec.Name);

    public static string DataFileName(string figureName) => Path.GetFileName(ResultPaths.FigureData(".", figureName));

    public static string Write(FigureSpec spec)
    {
        var sb = new StringBuilder();
        var data = Quote(DataFileName(spec));
        int width = spec.PanelWidth * spec.GridCols;
        int height = spec.PanelHeight * spec.GridRows;
        bool grid = spec.GridRows * spec.GridCols > 1;

        sb.Append("# ").Append(OneLine(spec.Title)).Append('\n');
        sb.Append("# Reads only ").Append(DataFileName(spec)).Append("; run `gnuplot ").Append(spec.Name)
          .Append(".gp` in this folder to redraw ").Append(spec.Name).Append(".png and ").Append(spec.Name).Append(".svg.\n");
        sb.Append("set datafile separator ','\n");
        sb.Append("set datafile columnheaders\n");
        // Filtered-out rows become NaN; as "missing" they are skipped without breaking the line through the rest.
        sb.Append("set datafile missing NaN\n");
        sb.Append("set encoding utf8\n");
        sb.Append("do for [format in \"png svg\"] {\n");
        sb.Append("  if (format eq \"png\") {\n");
        sb.Append(Invariant($"    set terminal pngcairo size {width},{height} noenhanced font 'sans,10'\n"));
        sb.Append("  } else {\n");
        sb.Append(Invariant($"    set terminal svg size {width},{height} noenhanced font 'sans,10' background '#ffffff'\n"));
        sb.Append("  }\n");
        sb.Append("  set output ").Append(Quote(spec.Name + ".")).Append(".format\n");
        if (grid)
            sb.Append(Invariant($"  set multiplot layout {spec.GridRows},{spec.GridCols} title {Quote(spec.Title)}\n"));

        if (spec.Kind == FigureKind.Plot)
        {
            foreach (var panel in spec.PlotPanels)
                AppendPlotPanel(sb, panel, grid ? panel.Title : Coalesce(panel.Title, spec.Title), data);
        }
        else if (spec.Kind == FigureKind.Images)
        {
            for (int p = 0; p < spec.ImagePanels.Count; p++)
                AppendImagePanel(sb, spec.ImagePanels[p], spec.ImageRows[spec.ImagePanels[p].Image], spec.BoxRows[p], grid ? spec.ImagePanels[p].Title : Coalesce(spec.ImagePanels[p].Title, spec.Title), data);
        }
        else
        {
            int first = 0;
            foreach (var panel in spec.HeatMapPanels)
            {
                int count = panel.Values.GetLength(0) * panel.Values.GetLength(1);
                AppendHeatMapPanel(sb, panel, grid ? panel.Title : Coalesce(panel.Title, spec.Title), data, first, count);
                first += count;
            }
        }

        if (grid)
            sb.Append("  unset multiplot\n");
        sb.Append("  unset output\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    private static void AppendPlotPanel(StringBuilder sb, PlotPanel panel, string title, string data)
    {
        sb.Append("  set title ").Append(Quote(title)).Append('\n');
        sb.Append("  set xlabel ").Append(Quote(panel.XLabel)).Append('\n');
        sb.Append("  set ylabel ").Append(Quote(panel.YLabel)).Append('\n');
        sb.Append("  set size noratio\n");
        sb.Append("  set xtics\n  set ytics\n");
        sb.Append("  set key noenhanced\n");
        if (panel.KeyPosition is { } key) sb.Append("  set key ").Append(key).Append('\n');
        sb.Append(panel.LogX ? "  set logscale x\n" : "  unset logscale x\n");
        sb.Append(panel.LogY ? "  set logscale y\n" : "  unset logscale y\n");
        sb.Append("  set autoscale xfix\n");
        sb.Append("  set xrange [").Append(panel.XMin is { } xlo ? CellFormat.Number(xlo) : "*").Append(':')
          .Append(panel.XMax is { } xhi ? CellFormat.Number(xhi) : "*").Append("] noreverse\n");
        sb.Append("  set yrange [").Append(panel.YMin is { } lo ? CellFormat.Number(lo) : "*").Append(':')
          .Append(panel.YMax is { } hi ? CellFormat.Number(hi) : "*").Append("] noreverse\n");
        // A little headroom so points and reference lines on the extremes are not hidden by the frame.
        sb.Append("  set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05\n");

        var items = new List<string>();
        foreach (var s in panel.Series)
        {
            string x = $"(column({Quote(s.X)}))";
            string y = s.FilterColumn is { } fc
                ? $"(strcol({Quote(fc)}) eq {Quote(s.FilterValue!)} ? column({Quote(s.Y)}) : NaN)"
                : $"(column({Quote(s.Y)}))";
            string usingSpec = s.YError is { } e ? $"{x}:{y}:(column({Quote(e)}))" : $"{x}:{y}";
            string with = s.Style switch
            {
                SeriesStyle.Lines => "lines",
                SeriesStyle.Points => "points",
                SeriesStyle.LinesPoints => "linespoints",
                SeriesStyle.ErrorBars => "yerrorbars",
                SeriesStyle.ErrorLines => "yerrorlines",
                _ => throw new ArgumentOutOfRangeException(nameof(panel), s.Style, "unknown series style"),
            };
            if (s.YError is not null && s.Style is SeriesStyle.Lines or SeriesStyle.LinesPoints)
                with = "yerrorlines";
            else if (s.YError is not null && s.Style is SeriesStyle.Points)
                with = "yerrorbars";
            string colour = s.Colour is { } c ? $" linecolor rgb {Quote(c)}" : "";
            items.Add($"{data} using {usingSpec} with {with}{colour} title {Quote(s.Label)}");
        }
        foreach (var line in panel.ReferenceLines)
            items.Add($"{CellFormat.Number(line.Y)} with lines dashtype 2 linecolor rgb '#555555' title {Quote(line.Label)}");
        sb.Append("  plot ").Append(string.Join(", \\\n       ", items)).Append('\n');
    }

    private static void AppendHeatMapPanel(StringBuilder sb, HeatMapPanel panel, string title, string data, int first, int count)
    {
        int rows = panel.Values.GetLength(0);
        int cols = panel.Values.GetLength(1);
        sb.Append("  set title ").Append(Quote(title)).Append('\n');
        sb.Append("  set xlabel ''\n  set ylabel ''\n");
        sb.Append("  unset logscale x\n  unset logscale y\n");
        sb.Append("  set offsets 0, 0, 0, 0\n");
        sb.Append("  set size ratio -1\n");
        sb.Append("  unset xtics\n  unset ytics\n");
        // Image convention: row 0 at the top.
        sb.Append(Invariant($"  set xrange [-0.5:{cols - 0.5}] noreverse\n"));
        sb.Append(Invariant($"  set yrange [{rows - 0.5}:-0.5] noreverse\n"));
        sb.Append(panel.Grey ? "  set palette gray\n" : "  set palette rgbformulae 21,22,23\n");
        sb.Append("  set cblabel ").Append(Quote(panel.ColourLabel)).Append('\n');
        sb.Append(Invariant($"  plot {data} every ::{first}::{first + count - 1} using (column('col')):(column('row')):(column('value')) with image notitle\n"));
    }

    private static void AppendImagePanel(StringBuilder sb, ImagePanel panel, (int First, int Height, int Width) image, (int First, int Count) boxes, string title, string data)
    {
        sb.Append("  set title ").Append(Quote(title)).Append('\n');
        sb.Append("  set xlabel ''\n  set ylabel ''\n");
        sb.Append("  unset logscale x\n  unset logscale y\n");
        sb.Append("  set offsets 0, 0, 0, 0\n");
        sb.Append("  set size ratio -1\n");
        sb.Append("  unset xtics\n  unset ytics\n  unset colorbox\n");
        sb.Append(Invariant($"  set xrange [-0.5:{image.Width - 0.5}] noreverse\n"));
        sb.Append(Invariant($"  set yrange [{image.Height - 0.5}:-0.5] noreverse\n"));
        string pixels = Invariant($"{data} every ::{image.First}::{image.First + image.Height * image.Width - 1} using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage notitle");
        if (boxes.Count == 0)
        {
            sb.Append("  plot ").Append(pixels).Append('\n');
            return;
        }
        string range = Invariant($"every ::{boxes.First}::{boxes.First + boxes.Count - 1}");
        // A box covers pixels x..x2 inclusive: its outline runs along the outer pixel edges. The caption sits
        // above the box, or below it when the box touches the top of the picture.
        string rectangles = $"{data} {range} using ((column('x')+column('x2'))/2):((column('y')+column('y2'))/2):(column('x')-0.5):(column('x2')+0.5):(column('y')-0.5):(column('y2')+0.5):(column('rgb')) with boxxyerror fillstyle empty linewidth 1.5 linecolor rgb variable notitle";
        string captions = $"{data} {range} using (column('x')-0.5):(column('y') >= 4 ? column('y')-2 : column('y2')+2):(strcol('label')):(column('rgb')) with labels left font 'sans,7' textcolor rgb variable notitle";
        sb.Append("  plot ").Append(pixels).Append(", \\\n       ").Append(rectangles).Append(", \\\n       ").Append(captions).Append('\n');
    }

    /// <summary>A gnuplot single-quoted string: no escapes are interpreted except '' for a quote.</summary>
    public static string Quote(string text) => "'" + OneLine(text).Replace("'", "''") + "'";

    private static string OneLine(string text) => text.Replace("\r", "").Replace("\n", " ");

    private static string Coalesce(string a, string b) => string.IsNullOrEmpty(a) ? b : a;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The files one figure became, as names relative to the report folder.</summary>
public sealed record FigureFiles(string Data, string Script, string Png, string Svg);

/// <summary>
/// Writes a figure's data CSV and script and runs gnuplot (Debian package gnuplot-nox: pngcairo and svg terminals)
/// to draw the PNG and SVG. gnuplot runs in a scratch folder and the images are moved in afterwards, so an
/// interrupted render never leaves a half-written image under the real name.
/// </summary>
public sealed class GnuplotRenderer
{
    public GnuplotRenderer(string executable = "gnuplot", TimeSpan? timeout = null)
    {
        Executable = executable;
        Timeout = timeout ?? TimeSpan.FromMinutes(2);
    }

    public string Executable { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Writes <c>&lt;name&gt;.data.csv</c> and <c>&lt;name&gt;.gp</c> only; no gnuplot needed.</summary>
    public FigureFiles WriteScript(FigureSpec spec, string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(ResultPaths.FigureData(directory, spec.Name), new CsvTableExporter().Export(spec.Data));
        AtomicFile.WriteAllText(ResultPaths.Figure(directory, spec.Name, "gp"), GnuplotScript.Write(spec));
        return Files(spec);
    }

    public FigureFiles Render(FigureSpec spec, string directory)
    {
        var files = WriteScript(spec, directory);
        RenderScript(directory, spec.Name);
        return files;
    }

    /// <summary>Runs an existing <c>&lt;name&gt;.gp</c> (with its CSV) in <paramref name="directory"/>.</summary>
    public void RenderScript(string directory, string name)
    {
        string script = ResultPaths.Figure(directory, name, "gp");
        string scratch = Path.Combine(directory, $".render-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            File.Copy(script, ResultPaths.Figure(scratch, name, "gp"));
            File.Copy(ResultPaths.FigureData(directory, name), ResultPaths.FigureData(scratch, name));
            Run(scratch, Path.GetFileName(script), script);
            foreach (var ext in new[] { "png", "svg" })
            {
                var produced = ResultPaths.Figure(scratch, name, ext);
                if (!File.Exists(produced) || new FileInfo(produced).Length == 0)
                    throw new GnuplotException($"{script}: gnuplot wrote no {name}.{ext}");
                File.Move(produced, ResultPaths.Figure(directory, name, ext), overwrite: true);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
                // A leftover scratch folder is harmless; the next render uses a new one.
            }
        }
    }

    private void Run(string workingDirectory, string scriptName, string scriptForMessages)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(scriptName);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new GnuplotException($"{scriptForMessages}: could not start {Executable}");
        }
        catch (Win32Exception e)
        {
            throw new GnuplotException(
                $"{Executable} not found: install gnuplot (Debian package gnuplot-nox) to draw figures; the script {scriptForMessages} and its CSV are written",
                e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new GnuplotException($"{scriptForMessages}: gnuplot did not finish within {Timeout.TotalSeconds:0} s");
            }
            process.WaitForExit();
            string errors = stderr.Result.Trim();
            _ = stdout.Result;
            if (process.ExitCode != 0)
            {
                string first = errors.Split('\n').Where(l => l.Trim().Length > 0).Take(3).Aggregate("", (a, l) => a + " " + l.Trim());
                throw new GnuplotException($"{scriptForMessages}: gnuplot exited with code {process.ExitCode}:{first}");
            }
        }
    }

    private static FigureFiles Files(FigureSpec spec) =>
        new(GnuplotScript.DataFileName(spec), spec.Name + ".gp", spec.Name + ".png", spec.Name + ".svg");
}
