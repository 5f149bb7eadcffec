using System.Text;
using System.Text.RegularExpressions;

namespace Repro.Experiments.Config;

/// <summary>
/// Writes config trees as YAML with a fixed layout (two-space indent, keys in tree order, scalar lists in flow
/// style, text quoted only when it would otherwise read as something else), so equal trees give equal bytes.
/// </summary>
public static partial class ConfigWriter
{
    public static string Write(ConfigMap root)
    {
        var sb = new StringBuilder();
        WriteMap(sb, root, 0);
        return sb.ToString();
    }

    /// <summary>One-line form of a value: the scalar text, or flow YAML for lists and maps.</summary>
    public static string Flow(ConfigNode node) => node switch
    {
        ConfigScalar s => s.Value is null ? "null" : Scalar(s),
        ConfigList l => "[" + string.Join(", ", l.Items.Select(Flow)) + "]",
        ConfigMap m => "{" + string.Join(", ", m.Entries.Select(e => $"{Key(e.Key)}: {Flow(e.Value)}")) + "}",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>
    /// The value at a dotted key as <see cref="Flatten"/> writes it for a leaf ("options.train.epochs" -> "3"), or the
    /// flow form of a list or map (a swept "options.setting: {model: zf, ...}"); empty when the key is absent.
    /// </summary>
    public static string ValueAt(ConfigMap root, string dottedKey)
    {
        ConfigNode? node = root;
        foreach (var part in dottedKey.Split('.'))
            node = (node as ConfigMap)?.Get(part);
        return node switch
        {
            null => "",
            ConfigScalar s => s.Value ?? "null",
            _ => Flow(node),
        };
    }

    /// <summary>Flattened dotted keys of every leaf ("options.train.learning_rate" -> "0.1"); lists stay whole.</summary>
    public static IReadOnlyDictionary<string, string> Flatten(ConfigMap root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(ConfigMap map, string prefix)
        {
            foreach (var (key, value) in map.Entries)
            {
                string path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                if (value is ConfigMap child && child.Count > 0)
                    Walk(child, path);
                else if (value is ConfigScalar s)
                    result[path] = s.Value ?? "null";
                else
                    result[path] = Flow(value);
            }
        }
        Walk(root, "");
        return result;
    }

    private static void WriteMap(StringBuilder sb, ConfigMap map, int indent)
    {
        foreach (var (key, value) in map.Entries)
        {
            sb.Append(' ', indent).Append(Key(key)).Append(':');
            WriteValue(sb, value, indent);
        }
    }

    private static void WriteValue(StringBuilder sb, ConfigNode value, int indent)
    {
        switch (value)
        {
            case ConfigMap { Count: 0 }:
                sb.Append(" {}\n");
                break;
            case ConfigMap child:
                sb.Append('\n');
                WriteMap(sb, child, indent + 2);
                break;
            case ConfigList list when list.Items.All(i => i is ConfigScalar):
                sb.Append(' ').Append(Flow(list)).Append('\n');
                break;
            case ConfigList list:
                sb.Append('\n');
                foreach (var item in list.Items)
                {
                    sb.Append(' ', indent + 2).Append('-');
                    if (item is ConfigMap { Count: > 0 } itemMap)
                    {
                        // The first key sits on the dash line; the rest align under it.
                        var inner = new StringBuilder();
                        WriteMap(inner, itemMap, indent + 4);
                        sb.Append(' ').Append(inner.ToString().AsSpan(indent + 4));
                    }
                    else
                    {
                        WriteValue(sb, item, indent + 2);
                    }
                }
                break;
            case ConfigScalar s:
                sb.Append(' ').Append(s.Value is null ? "null" : Scalar(s)).Append('\n');
                break;
        }
    }

    private static string Key(string key) => PlainSafe().IsMatch(key) && !Reserved(key) ? key : Quote(key);

    private static string Scalar(ConfigScalar s)
    {
        string v = s.Value!;
        bool plainSafe = PlainSafe().IsMatch(v);
        if (!s.Quoted)
            return plainSafe ? v : Quote(v);
        // Text that would read back as a number, bool or null must keep its quotes.
        return plainSafe && !Reserved(v) && !OptionsBinder.TryParseNumber(v, out _) && !LooksNumeric().IsMatch(v) ? v : Quote(v);
    }

    private static bool Reserved(string v) =>
        v is "true" or "false" or "True" or "False" or "TRUE" or "FALSE" or "null" or "Null" or "NULL" or "~"
            or "yes" or "no" or "Yes" or "No" or "YES" or "NO" or "on" or "off" or "On" or "Off" or "ON" or "OFF" or "y" or "n";

    private static string Quote(string v)
    {
        var sb = new StringBuilder(v.Length + 2).Append('"');
        foreach (char c in v)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                        sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    // Plain scalars limited to characters that mean the same in block and flow context.
    [GeneratedRegex(@"^(?!-( |$))[A-Za-z0-9_.+/\-][A-Za-z0-9_.+/\- ]*(?<! )$")]
    private static partial Regex PlainSafe();

    [GeneratedRegex(@"^[-+]?(\.?[0-9]|\.inf|\.nan|0x|0o)", RegexOptions.IgnoreCase)]
    private static partial Regex LooksNumeric();
}
