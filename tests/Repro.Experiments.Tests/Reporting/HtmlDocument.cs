using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>One start tag of an HTML document: its name and attributes (names lower case, values decoded).</summary>
internal sealed record HtmlTag(string Name, IReadOnlyDictionary<string, string> Attributes, int Position)
{
    public string? this[string attribute] => Attributes.TryGetValue(attribute, out var v) ? v : null;
}

/// <summary>
/// Just enough HTML reading for the page tests: the start tags with their attributes (comments skipped, script
/// and style bodies kept apart), the text of style and script elements, and the rows of a table by id.
/// </summary>
internal static partial class HtmlDocument
{
    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"<(script|style)\b([^>]*)>(.*?)</\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex RawText();

    [GeneratedRegex(@"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:""[^""]*""|'[^']*'|[^\s>]+))?)*)\s*/?>", RegexOptions.Singleline)]
    private static partial Regex StartTag();

    [GeneratedRegex(@"([^\s=/>]+)(?:\s*=\s*(?:""([^""]*)""|'([^']*)'|([^\s>]+)))?", RegexOptions.Singleline)]
    private static partial Regex Attribute();

    [GeneratedRegex(@"<tr\b([^>]*)>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex(@"<t[dh]\b([^>]*)>(.*?)</t[dh]>", RegexOptions.Singleline)]
    private static partial Regex Cell();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex AnyTag();

    public static IReadOnlyList<HtmlTag> Tags(string html)
    {
        string text = Comment().Replace(html, "");
        // Tags inside a script's or style's text are not tags: blank those bodies out before reading tags.
        text = RawText().Replace(text, m => $"<{m.Groups[1].Value}{m.Groups[2].Value}>{new string(' ', m.Groups[3].Length)}</{m.Groups[1].Value}>");
        return StartTag().Matches(text).Select(m => new HtmlTag(m.Groups[1].Value.ToLowerInvariant(), Attributes(m.Groups[2].Value), m.Index)).ToList();
    }

    /// <summary>The text of every style and script element.</summary>
    public static IReadOnlyList<(string Element, string Text)> RawTexts(string html) =>
        RawText().Matches(Comment().Replace(html, "")).Select(m => (m.Groups[1].Value.ToLowerInvariant(), m.Groups[3].Value)).ToList();

    private static Dictionary<string, string> Attributes(string text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in Attribute().Matches(text))
        {
            string value = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value;
            attributes.TryAdd(m.Groups[1].Value.ToLowerInvariant(), WebUtility.HtmlDecode(value));
        }
        return attributes;
    }

    /// <summary>A table's body rows in document order: whether each is hidden, and its cells' attributes and text.</summary>
    public static IReadOnlyList<(bool Hidden, IReadOnlyList<(IReadOnlyDictionary<string, string> Attributes, string Text)> Cells)> Rows(string html, string tableId)
    {
        int start = html.IndexOf($"<table id=\"{tableId}\"", StringComparison.Ordinal);
        if (start < 0)
            throw new InvalidOperationException($"no table with id {tableId}");
        int body = html.IndexOf("<tbody>", start, StringComparison.Ordinal);
        int end = html.IndexOf("</table>", start, StringComparison.Ordinal);
        string rows = html[body..end];
        return Row().Matches(rows).Select(r =>
        {
            var rowAttributes = Attributes(r.Groups[1].Value);
            var cells = Cell().Matches(r.Groups[2].Value)
                .Select(c => ((IReadOnlyDictionary<string, string>)Attributes(c.Groups[1].Value), WebUtility.HtmlDecode(AnyTag().Replace(c.Groups[2].Value, "")).Trim()))
                .ToList();
            return (rowAttributes.ContainsKey("hidden"), (IReadOnlyList<(IReadOnlyDictionary<string, string>, string)>)cells);
        }).ToList();
    }

    /// <summary>The header cells' data-column values of a table, in order.</summary>
    public static IReadOnlyList<string> Columns(string html, string tableId)
    {
        int start = html.IndexOf($"<table id=\"{tableId}\"", StringComparison.Ordinal);
        int end = html.IndexOf("</thead>", start, StringComparison.Ordinal);
        return Tags(html[start..end]).Where(t => t.Name == "th").Select(t => t["data-column"] ?? "").ToList();
    }

    /// <summary>
    /// Every reference of a page that would reach outside its folder: an attribute holding a URL with a scheme
    /// or a network path, a <c>url(...)</c> or <c>@import</c> in a style, a request from a script.
    /// </summary>
    public static IReadOnlyList<string> ExternalReferences(string html)
    {
        var found = new List<string>();
        string[] linking = ["src", "href", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href", "ping", "manifest", "cite"];
        foreach (var tag in Tags(html))
        {
            foreach (var name in linking)
                if (tag[name] is { } value && !IsLocal(value))
                    found.Add($"<{tag.Name} {name}=\"{value}\">");
            if (tag.Name == "meta" && tag["http-equiv"] is { } equiv && equiv.Equals("refresh", StringComparison.OrdinalIgnoreCase))
                found.Add("<meta http-equiv=refresh>");
            if (tag["style"] is { } inline && inline.Contains("url(", StringComparison.OrdinalIgnoreCase))
                found.Add($"<{tag.Name} style=\"{inline}\">");
        }
        foreach (var (element, text) in RawTexts(html))
        {
            if (element == "style" && (text.Contains("url(", StringComparison.OrdinalIgnoreCase) || text.Contains("@import", StringComparison.OrdinalIgnoreCase)))
                found.Add("a style that loads a file");
            if (element == "script")
                foreach (var request in new[] { "fetch(", "XMLHttpRequest", "import(", "WebSocket", "EventSource", "sendBeacon", "http:", "https:", "//cdn" })
                    if (text.Contains(request, StringComparison.Ordinal))
                        found.Add($"a script with {request}");
        }
        foreach (var tag in Tags(html).Where(t => t.Name == "script" && t["src"] is not null))
            found.Add($"<script src=\"{tag["src"]}\">");
        return found;
    }

    /// <summary>A fragment, or a path relative to the page's folder that stays inside it: no scheme, no '//', no '/' or '..' first.</summary>
    public static bool IsLocal(string url)
    {
        string u = url.Trim();
        if (u.StartsWith('#'))
            return true;
        if (u.StartsWith('/') || u.StartsWith('\\') || u.StartsWith("..", StringComparison.Ordinal))
            return false;
        int colon = u.IndexOf(':');
        int slash = u.IndexOfAny(['/', '?', '#']);
        return colon < 0 || (slash >= 0 && slash < colon);
    }
}

/// <summary>Debian's chromium, headless: the page as the browser leaves it after its scripts ran.</summary>
internal static class HeadlessChromium
{
    public static string Executable =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not installed (Debian package 'chromium'; make test installs it)");

    /// <summary>The DOM after load (scripts run, a virtual-time budget for timers), serialised.</summary>
    public static string DumpDom(string url, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Root runs Chromium without its sandbox; the profile goes to a folder of its own so runs never share one.
        string profile = Directory.CreateTempSubdirectory("repro-chromium-").FullName;
        try
        {
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                         "--user-data-dir=" + profile, "--virtual-time-budget=3000", "--dump-dom", url })
                info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium --dump-dom {url} did not finish in {timeout}");
            }
            if (process.ExitCode != 0 || output.Result.Length == 0)
                throw new InvalidOperationException($"chromium exited {process.ExitCode}: {error.Result}");
            return output.Result;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    public static string FileUrl(string path, string fragment = "") =>
        new Uri(Path.GetFullPath(path)).AbsoluteUri + (fragment.Length > 0 ? "#" + fragment : "");
}
