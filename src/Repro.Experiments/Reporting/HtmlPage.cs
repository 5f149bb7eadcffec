using System.Net;
using System.Text;

namespace Repro.Experiments.Reporting;

/// <summary>
/// What the static result pages share: the document around the content, the style sheet, the one small script that
/// sorts and filters tables, and the rules for links. A page fetches nothing: style and script are inline, and every
/// figure or file it names is a relative link into the results folder it sits in.
/// </summary>
public static class HtmlPage
{
    /// <summary>The document: head with the inline style, the body, then the inline script.</summary>
    public static string Document(string title, string body)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<title>").Append(Encode(title)).Append("</title>\n");
        sb.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        sb.Append(body);
        sb.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Text for an element or an attribute value in double quotes.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>
    /// A relative link from the page's folder to <paramref name="target"/>, with '/' separators and each segment
    /// escaped, so a folder name with a space or '#' still links to itself.
    /// </summary>
    public static string RelativeLink(string pageDirectory, string target)
    {
        string relative = Path.GetRelativePath(Path.GetFullPath(pageDirectory), Path.GetFullPath(target));
        return string.Join('/', relative.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));
    }

    /// <summary>An id usable in a URL fragment: lower-case letters, digits and '-'.</summary>
    public static string Id(params string?[] parts)
    {
        var sb = new StringBuilder();
        foreach (var part in parts.Where(p => !string.IsNullOrEmpty(p)))
        {
            if (sb.Length > 0)
                sb.Append("--");
            foreach (char c in part!.ToLowerInvariant())
                sb.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The filter bar of a table: a choice of values for each named column, and a text box matching any cell.
    /// The script hides the rows that do not match.
    /// </summary>
    public static string FilterBar(string tableId, IEnumerable<(string Column, string Header, IReadOnlyList<string> Values)> columns)
    {
        var sb = new StringBuilder();
        sb.Append("<div class=\"filters\" data-for=\"").Append(Encode(tableId)).Append("\">");
        foreach (var (column, header, values) in columns)
        {
            sb.Append("<label>").Append(Encode(header)).Append(" <select data-filter-column=\"").Append(Encode(column)).Append("\">");
            sb.Append("<option value=\"\">all</option>");
            foreach (var value in values)
                sb.Append("<option value=\"").Append(Encode(value)).Append("\">").Append(Encode(value)).Append("</option>");
            sb.Append("</select></label> ");
        }
        sb.Append("<label>contains <input type=\"search\" data-filter-text></label> ");
        sb.Append("<span class=\"shown\"></span></div>\n");
        return sb.ToString();
    }

    private const string Style = """
        body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 1.5em auto; max-width: 1400px; padding: 0 1em; color: #222; }
        h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
        h2 small, h3 small { font-weight: normal; color: #666; }
        nav a { margin-right: 1em; }
        .note { color: #555; }
        .wide { overflow-x: auto; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
        th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; vertical-align: top; }
        th { background: #f3f3f3; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        table.sortable th { cursor: pointer; user-select: none; }
        table.sortable th[aria-sort="ascending"]::after { content: " \25B2"; }
        table.sortable th[aria-sort="descending"]::after { content: " \25BC"; }
        .pass { background: #dff3df; color: #145214; font-weight: bold; }
        .fail, .past, .missing { background: #f9dcdc; color: #7a1010; font-weight: bold; }
        .near { background: #fbefcf; color: #6b4b00; }
        .within { background: #e9f6e9; }
        .reported { color: #777; }
        figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; max-width: 100%; }
        figure img { max-width: 100%; border: 1px solid #eee; }
        figure.missing-image img { display: none; }
        figcaption { font-size: 0.85em; color: #444; }
        .filters { margin: 0.5em 0; font-size: 0.85em; } .filters label { margin-right: 0.8em; }
        .shown { color: #666; }
        code { font-size: 0.95em; }

        """;

    /// <summary>
    /// Sorting and filtering: a click on a column header of a <c>table.sortable</c> sorts its rows by that column
    /// (again: the other way), numbers by the value in <c>data-value</c>, text alphabetically, empty cells last.
    /// The URL fragment does the same without a click (<c>#sort=TABLE:COLUMN:asc|desc</c> and
    /// <c>filter=TABLE:COLUMN=VALUE</c>, joined by '&amp;'), so a link can open a sorted, filtered view.
    /// </summary>
    private const string Script = """
        (function () {
          "use strict";
          function cellKey(row, index) {
            var cell = row.cells[index];
            if (!cell) return { empty: true };
            var raw = cell.getAttribute("data-value");
            if (raw !== null && raw !== "")
              return { number: raw === "Inf" ? Infinity : raw === "-Inf" ? -Infinity : parseFloat(raw) };
            var text = cell.textContent.trim();
            return text === "" || text === "-" ? { empty: true } : { text: text };
          }
          function compare(a, b) {
            if (a.empty || b.empty) return a.empty && b.empty ? 0 : a.empty ? 1 : -1;
            if (a.number !== undefined && b.number !== undefined) {
              if (isNaN(a.number) || isNaN(b.number)) return isNaN(a.number) ? (isNaN(b.number) ? 0 : 1) : -1;
              return a.number - b.number;
            }
            if (a.number !== undefined) return -1;
            if (b.number !== undefined) return 1;
            return a.text.localeCompare(b.text, "en", { numeric: true });
          }
          function headerIndex(table, column) {
            var headers = table.tHead.rows[0].cells;
            for (var i = 0; i < headers.length; i++)
              if (headers[i].getAttribute("data-column") === column) return i;
            return -1;
          }
          function sortTable(table, column, direction) {
            var index = headerIndex(table, column);
            if (index < 0) return false;
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var sign = direction === "desc" ? -1 : 1;
            var keyed = rows.map(function (row, i) { return { row: row, key: cellKey(row, index), i: i }; });
            keyed.sort(function (a, b) {
              var c = compare(a.key, b.key);
              if (a.key.empty || b.key.empty) return c || a.i - b.i;
              return sign * c || a.i - b.i;
            });
            keyed.forEach(function (k) { body.appendChild(k.row); });
            var headers = table.tHead.rows[0].cells;
            for (var i = 0; i < headers.length; i++) headers[i].removeAttribute("aria-sort");
            headers[index].setAttribute("aria-sort", direction === "desc" ? "descending" : "ascending");
            table.setAttribute("data-sorted", column + ":" + (direction === "desc" ? "desc" : "asc"));
            return true;
          }
          function applyFilters(table) {
            var bar = document.querySelector('.filters[data-for="' + table.id + '"]');
            if (!bar) return;
            var selects = bar.querySelectorAll("select[data-filter-column]");
            var text = bar.querySelector("input[data-filter-text]");
            var needle = text ? text.value.trim().toLowerCase() : "";
            var shown = 0, rows = table.tBodies[0].rows;
            for (var r = 0; r < rows.length; r++) {
              var row = rows[r], visible = true;
              for (var s = 0; s < selects.length && visible; s++) {
                var want = selects[s].value;
                if (want === "") continue;
                var index = headerIndex(table, selects[s].getAttribute("data-filter-column"));
                visible = index >= 0 && row.cells[index].textContent.trim() === want;
              }
              if (visible && needle !== "") visible = row.textContent.toLowerCase().indexOf(needle) >= 0;
              row.hidden = !visible;
              if (visible) shown++;
            }
            var count = bar.querySelector(".shown");
            if (count) count.textContent = shown + " of " + rows.length + " rows";
            table.setAttribute("data-shown", String(shown));
          }
          function applyHash() {
            var hash = decodeURIComponent(location.hash.replace(/^#/, ""));
            hash.split("&").forEach(function (part) {
              var eq = part.indexOf("=");
              if (eq < 0) return;
              var what = part.slice(0, eq), spec = part.slice(eq + 1);
              if (what === "sort") {
                var p = spec.split(":");
                var table = document.getElementById(p[0]);
                if (table && p.length >= 2) sortTable(table, p[1], p[2] === "desc" ? "desc" : "asc");
              } else if (what === "filter") {
                var colon = spec.indexOf(":"), is = spec.indexOf("=", colon);
                var target = document.getElementById(spec.slice(0, colon));
                if (!target || colon < 0 || is < 0) return;
                var bar = document.querySelector('.filters[data-for="' + target.id + '"]');
                var select = bar && bar.querySelector('select[data-filter-column="' + spec.slice(colon + 1, is) + '"]');
                if (select) { select.value = spec.slice(is + 1); applyFilters(target); }
              }
            });
          }
          Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
            Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
              th.title = "sort by this column";
              th.addEventListener("click", function () {
                var column = th.getAttribute("data-column");
                var now = table.getAttribute("data-sorted");
                sortTable(table, column, now === column + ":asc" ? "desc" : "asc");
              });
            });
            applyFilters(table);
          });
          Array.prototype.forEach.call(document.querySelectorAll(".filters"), function (bar) {
            var table = document.getElementById(bar.getAttribute("data-for"));
            if (!table) return;
            bar.addEventListener("input", function () { applyFilters(table); });
            bar.addEventListener("change", function () { applyFilters(table); });
          });
          Array.prototype.forEach.call(document.querySelectorAll("figure img"), function (img) {
            function missing() { img.parentNode.classList.add("missing-image"); }
            if (img.complete && img.naturalWidth === 0) missing();
            img.addEventListener("error", missing);
          });
          applyHash();
          window.addEventListener("hashchange", applyHash);
        })();

        """;
}

/// <summary>
/// A <see cref="ResultTable"/> as an HTML table: the same cells as the Markdown view, numbers right-aligned and
/// carrying their value in <c>data-value</c> (shortest round-trip, invariant) so the page sorts them as numbers.
/// </summary>
public sealed class HtmlTableExporter : ITableExporter
{
    public string Extension => "html";

    public string Export(ResultTable table) => Export(table, HtmlPage.Id(table.Name), sortable: false);

    /// <param name="id">The table element's id (unique in its page).</param>
    /// <param name="cellClass">A class for a cell (column, row index, cell), e.g. a claim's status; null for none.</param>
    public string Export(ResultTable table, string id, bool sortable, Func<ResultColumn, int, ResultCell, string?>? cellClass = null)
    {
        var sb = new StringBuilder();
        sb.Append("<div class=\"wide\"><table id=\"").Append(HtmlPage.Encode(id)).Append("\" data-table=\"")
          .Append(HtmlPage.Encode(table.Name)).Append('"');
        if (sortable)
            sb.Append(" class=\"sortable\"");
        sb.Append(">\n<thead><tr>");
        foreach (var column in table.Columns)
            sb.Append("<th data-column=\"").Append(HtmlPage.Encode(column.Name)).Append("\">").Append(HtmlPage.Encode(column.Header)).Append("</th>");
        sb.Append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            sb.Append("<tr>");
            for (int i = 0; i < table.Columns.Count; i++)
            {
                var column = table.Columns[i];
                var cell = row[i];
                var classes = new List<string>();
                if (cell.Number is not null)
                    classes.Add("num");
                if (cellClass?.Invoke(column, r, cell) is { Length: > 0 } extra)
                    classes.Add(extra);
                sb.Append("<td");
                if (classes.Count > 0)
                    sb.Append(" class=\"").Append(string.Join(' ', classes)).Append('"');
                if (cell.Number is { } n)
                    sb.Append(" data-value=\"").Append(CellFormat.Number(n)).Append('"');
                sb.Append('>').Append(HtmlPage.Encode(cell.IsEmpty ? "-" : MarkdownTableExporter.Display(column, cell))).Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table></div>\n");
        return sb.ToString();
    }
}
