using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Repro.Experiments.Config;

/// <summary>Parses YAML text into <see cref="ConfigNode"/> trees that remember file and line of every value.</summary>
public static class YamlConfigReader
{
    /// <summary>Reads a config file whose top level must be a mapping. <paramref name="displayPath"/> is used in errors.</summary>
    public static ConfigMap ReadFile(string path, string? displayPath = null)
    {
        displayPath ??= path;
        if (Directory.Exists(path))
            throw new ReproInputException($"{displayPath}: is a folder, not a config file (give its files: {Path.Combine(displayPath, "*.yaml")})");
        if (!File.Exists(path))
            throw new ReproInputException($"{displayPath}: config file not found");
        string text = File.ReadAllText(path);
        var node = Parse(text, displayPath);
        return node switch
        {
            null => new ConfigMap(new SourceMark(displayPath, 1, 1)),
            ConfigMap map => map,
            _ => throw new ReproInputException($"{node.Mark}: a config file must be a mapping of keys to values"),
        };
    }

    /// <summary>Parses one YAML document; null when the text holds no document.</summary>
    public static ConfigNode? Parse(string text, string source)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            // The parser's message repeats the position ("(Line: 3, Col: 5, Idx: ...) - (...): ..."); keep its tail.
            string message = e.Message;
            int cut = message.LastIndexOf("): ", StringComparison.Ordinal);
            if (cut >= 0)
                message = message[(cut + 3)..];
            // The parser places a tab in the indentation at the start of the mapping it was reading (often 1:1);
            // the line to fix is the one with the tab.
            if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabIndentation(text, (int)e.Start.Line) is { } tab)
                throw new ReproInputException(
                    $"{source}:{tab.Line}:{tab.Column}: malformed YAML: a tab in the indentation (YAML indents with spaces only)", e);
            throw new ReproInputException(
                $"{source}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {OneLine(message)}", e);
        }
        catch (InvalidOperationException e)
        {
            // Some structural errors surface as a state error of the loader; the last parsed event marks the spot.
            var at = parser.Current?.Start ?? Mark.Empty;
            throw new ReproInputException(
                $"{source}:{at.Line}:{at.Column}: malformed YAML: unexpected structure after this point", e);
        }
        if (stream.Documents.Count == 0)
            return null;
        if (stream.Documents.Count > 1)
            throw new ReproInputException($"{source}: expected one YAML document, found {stream.Documents.Count}");
        return Convert(stream.Documents[0].RootNode, source);
    }

    /// <summary>Parses a command-line value (<c>--set key=VALUE</c>, sweep entries) as a YAML scalar or flow collection.</summary>
    public static ConfigNode ParseValue(string text, string source)
    {
        var node = Parse(text, source);
        var mark = SourceMark.Of(source);
        return node is null ? new ConfigScalar(null, mark) : Relabel(node, mark);
    }

    private static ConfigNode Relabel(ConfigNode node, SourceMark mark) => node switch
    {
        ConfigScalar s => new ConfigScalar(s.Value, mark, s.Quoted),
        ConfigList l => new ConfigList(l.Items.Select(i => Relabel(i, mark)), mark),
        ConfigMap m => RelabelMap(m, mark),
        _ => throw new InvalidOperationException(),
    };

    private static ConfigMap RelabelMap(ConfigMap map, SourceMark mark)
    {
        var copy = new ConfigMap(mark);
        foreach (var e in map.Entries)
            copy.Set(e.Key, Relabel(e.Value, mark), mark);
        return copy;
    }

    private static ConfigNode Convert(YamlNode node, string source)
    {
        var mark = new SourceMark(source, (int)node.Start.Line, (int)node.Start.Column);
        switch (node)
        {
            case YamlScalarNode scalar:
            {
                bool quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
                    or ScalarStyle.Literal or ScalarStyle.Folded;
                string? value = scalar.Value;
                if (!quoted && (value is null || value is "" or "~" or "null" or "Null" or "NULL"))
                    value = null;
                return new ConfigScalar(value, mark, quoted);
            }
            case YamlSequenceNode sequence:
                return new ConfigList(sequence.Children.Select(c => Convert(c, source)), mark);
            case YamlMappingNode mapping:
            {
                var map = new ConfigMap(mark);
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    var keyMark = new SourceMark(source, (int)keyNode.Start.Line, (int)keyNode.Start.Column);
                    if (keyNode is not YamlScalarNode { Value: { } key })
                        throw new ReproInputException($"{keyMark}: keys must be plain names");
                    if (map.ContainsKey(key))
                        throw new ReproInputException($"{keyMark}: duplicate key '{key}'");
                    map.Set(key, Convert(valueNode, source), keyMark);
                }
                return map;
            }
            default:
                throw new ReproInputException($"{mark}: unsupported YAML node");
        }
    }

    /// <summary>Line and column of the first tab in the leading whitespace of a line, from <paramref name="fromLine"/> on.</summary>
    private static (int Line, int Column)? TabIndentation(string text, int fromLine)
    {
        var lines = text.Split('\n');
        for (int i = Math.Max(0, fromLine - 1); i < lines.Length; i++)
        {
            string line = lines[i];
            int indent = line.Length - line.TrimStart(' ', '\t').Length;
            int tab = line.IndexOf('\t', 0, indent);
            if (tab >= 0)
                return (i + 1, tab + 1);
        }
        return null;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', '\r').Where(s => s.Length > 0)).Trim();
}
