using System.Collections;
using System.Reflection;
using System.Runtime.Serialization;

namespace Repro.Experiments.Config;

/// <summary>
/// Strict binding of a config section onto a typed options class: every key must name a settable property
/// (snake_case of its name) and every value must convert to the property's type. Supported: int, long, float,
/// double, bool, string, enums, nullable of those, lists/arrays, string-keyed dictionaries and nested classes. Every
/// bound section is then checked against the rules its options class declares.
/// </summary>
public static class OptionsBinder
{
    public static object Bind(Type type, ConfigNode? node, string path)
    {
        var problems = new ConfigProblems();
        var instance = Bind(type, node, path, problems);
        problems.ThrowIfAny();
        return instance;
    }

    /// <summary>
    /// Binds a section and checks it against its options' rules (<see cref="OptionRuleAttribute"/>,
    /// <see cref="ICheckedOptions"/>), recording every problem - unknown key, wrong type, value out of range - in
    /// <paramref name="problems"/> rather than stopping at the first.
    /// </summary>
    public static object Bind(Type type, ConfigNode? node, string path, ConfigProblems problems)
    {
        var instance = Create(type, path);
        if (node is null || node is ConfigScalar { Value: null })
            return instance;
        if (node is not ConfigMap map)
        {
            problems.Add($"{node.Mark}: '{path}' must be a section of keys, got {Describe(node)}");
            return instance;
        }
        var properties = SettableProperties(type);
        foreach (var (key, value) in map.Entries)
        {
            if (!properties.TryGetValue(key, out var property))
            {
                problems.Add($"{map.KeyMark(key)}: unknown key '{key}' in {path}{KeyNames.Suggestion(key, properties.Keys)}");
                continue;
            }
            int before = problems.Met;
            var converted = Convert(property.PropertyType, value, $"{path}.{key}", problems);
            if (problems.Met == before)
                property.SetValue(instance, converted);
        }
        OptionChecks.Check(instance, map, map.Mark, path, problems);
        return instance;
    }

    /// <summary>Settable public properties by snake_case key, in declaration order.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> SettableProperties(Type type)
    {
        var result = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0)
                     .OrderBy(p => p.MetadataToken))
            result[KeyNames.ToSnakeCase(p.Name)] = p;
        return result;
    }

    public static object? Convert(Type type, ConfigNode node, string path)
    {
        var problems = new ConfigProblems();
        var value = Convert(type, node, path, problems);
        problems.ThrowIfAny();
        return value;
    }

    /// <summary>The value of <paramref name="node"/> as <paramref name="type"/>; on bad input, null and the problems recorded.</summary>
    private static object? Convert(Type type, ConfigNode node, string path, ConfigProblems problems)
    {
        try
        {
            return ConvertOrThrow(type, node, path, problems);
        }
        catch (ReproInputException e)
        {
            problems.Add(e);
            return null;
        }
    }

    private static object? ConvertOrThrow(Type type, ConfigNode node, string path, ConfigProblems problems)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is ConfigScalar { Value: null } && (underlying is not null || !type.IsValueType))
        {
            // An empty section (`train:` with nothing under it) keeps the class's defaults.
            return IsSection(type) ? Create(type, path) : null;
        }
        type = underlying ?? type;

        if (type == typeof(string))
        {
            if (node is ConfigScalar s)
                return s.Value;
            throw WrongType(node, path, "text");
        }
        if (type == typeof(bool))
        {
            var s = Scalar(node, path, "true or false");
            return s switch
            {
                "true" or "True" or "TRUE" => true,
                "false" or "False" or "FALSE" => false,
                _ => throw WrongType(node, path, "true or false"),
            };
        }
        if (type == typeof(int) || type == typeof(long))
        {
            var s = Scalar(node, path, "an integer");
            if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
                || (type == typeof(int) && (v < int.MinValue || v > int.MaxValue)))
                throw WrongType(node, path, "an integer");
            return type == typeof(int) ? (object)(int)v : v;
        }
        if (type == typeof(double) || type == typeof(float))
        {
            var s = Scalar(node, path, "a number");
            if (!TryParseNumber(s, out double v))
                throw WrongType(node, path, "a number");
            return type == typeof(float) ? (object)(float)v : v;
        }
        if (type.IsEnum)
        {
            var names = Enum.GetValues(type).Cast<Enum>().Select(ConfigName).ToList();
            var s = Scalar(node, path, $"one of {string.Join(", ", names)}");
            foreach (Enum value in Enum.GetValues(type))
                if (string.Equals(ConfigName(value), s, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(KeyNames.ToSnakeCase(value.ToString()), s, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(value.ToString(), s, StringComparison.OrdinalIgnoreCase))
                    return value;
            throw new ReproInputException(
                $"{node.Mark}: '{path}' expects one of {string.Join(", ", names)}, got '{s}'{NearestValue(s.ToLowerInvariant(), names)}");
        }
        if (DictionaryValueType(type) is { } valueType)
        {
            if (node is not ConfigMap map)
                throw WrongType(node, path, "a map");
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
            foreach (var (key, value) in map.Entries)
            {
                int before = problems.Met;
                var converted = Convert(valueType, value, $"{path}.{key}", problems);
                if (problems.Met == before)
                    dictionary[key] = converted;
            }
            return dictionary;
        }
        if (ListElementType(type) is { } elementType)
        {
            if (node is not ConfigList list)
                throw WrongType(node, path, "a list");
            var items = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
            for (int i = 0; i < list.Items.Count; i++)
            {
                int before = problems.Met;
                var converted = Convert(elementType, list.Items[i], $"{path}[{i}]", problems);
                if (problems.Met == before)
                    items.Add(converted);
            }
            if (type.IsArray)
            {
                var array = Array.CreateInstance(elementType, items.Count);
                items.CopyTo(array, 0);
                return array;
            }
            return items;
        }
        if (IsSection(type))
            return Bind(type, node, path, problems);
        throw new ReproInputException($"{node.Mark}: '{path}' has type {type.Name}, which configs cannot set");
    }

    /// <summary>
    /// How a config writes an enum value: its <see cref="EnumMemberAttribute"/> value where it has one (the
    /// <c>fast-rcnn</c> of <c>FastRcnn</c>), else its name in snake_case.
    /// </summary>
    public static string ConfigName(Enum value)
    {
        var member = value.GetType().GetField(value.ToString(), BindingFlags.Public | BindingFlags.Static);
        return member?.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? KeyNames.ToSnakeCase(value.ToString());
    }

    /// <summary>Turns a bound options object back into a config tree (declaration order) for config.yaml.</summary>
    public static ConfigNode ToNode(object? value, SourceMark mark)
    {
        switch (value)
        {
            case null:
                return new ConfigScalar(null, mark);
            case string s:
                return new ConfigScalar(s, mark, quoted: true);
            case bool b:
                return new ConfigScalar(b ? "true" : "false", mark);
            case int or long or short or byte:
                return new ConfigScalar(System.Convert.ToString(value, CultureInfo.InvariantCulture), mark);
            case double d:
                return new ConfigScalar(FormatNumber(d), mark);
            case float f:
                return new ConfigScalar(FormatNumber(f), mark);
            case Enum e:
                return new ConfigScalar(ConfigName(e), mark);
            case IDictionary dictionary:
            {
                var map = new ConfigMap(mark);
                foreach (var key in dictionary.Keys.Cast<object>().Select(k => k.ToString()!).OrderBy(k => k, StringComparer.Ordinal))
                    map.Set(key, ToNode(dictionary[key], mark));
                return map;
            }
            case IEnumerable enumerable:
                return new ConfigList(enumerable.Cast<object?>().Select(i => ToNode(i, mark)), mark);
            default:
            {
                var map = new ConfigMap(mark);
                foreach (var (key, property) in SettableProperties(value.GetType()))
                    map.Set(key, ToNode(property.GetValue(value), mark));
                return map;
            }
        }
    }

    /// <summary>Shortest text that reads back as the same double ("0.1", not "0.10000000000000001").</summary>
    public static string FormatNumber(double value)
    {
        if (double.IsNaN(value))
            return ".nan";
        if (double.IsPositiveInfinity(value))
            return ".inf";
        if (double.IsNegativeInfinity(value))
            return "-.inf";
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    public static bool TryParseNumber(string? text, out double value)
    {
        switch (text)
        {
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
            case ".inf" or "+.inf" or ".Inf" or "+.Inf":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf":
                value = double.NegativeInfinity;
                return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
               && !double.IsInfinity(value) && !double.IsNaN(value);
    }

    internal static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type)
        && type.GetConstructor(Type.EmptyTypes) is not null;

    private static object Create(Type type, string path) =>
        type.GetConstructor(Type.EmptyTypes) is not null
            ? Activator.CreateInstance(type)!
            : throw new InvalidOperationException($"options type {type.Name} for '{path}' needs a public parameterless constructor");

    private static Type? ListElementType(Type type)
    {
        if (type.IsArray)
            return type.GetElementType();
        if (!type.IsGenericType)
            return null;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
               || definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>)
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static Type? DictionaryValueType(Type type)
    {
        if (!type.IsGenericType)
            return null;
        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        return (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>)
                || definition == typeof(IReadOnlyDictionary<,>)) && args[0] == typeof(string)
            ? args[1]
            : null;
    }

    private static string Scalar(ConfigNode node, string path, string expected) =>
        node is ConfigScalar { Value: { } s, Quoted: false } ? s : throw WrongType(node, path, expected);

    private static string NearestValue(string value, IEnumerable<string> names) =>
        KeyNames.Nearest(value, names) is { } n ? $" (did you mean '{n}'?)" : "";

    private static ReproInputException WrongType(ConfigNode node, string path, string expected) =>
        new($"{node.Mark}: '{path}' expects {expected}, got {Describe(node)}");

    internal static string Describe(ConfigNode node) => node switch
    {
        ConfigScalar { Value: null } => "null",
        ConfigScalar { Quoted: true } s => $"the text \"{s.Value}\"",
        ConfigScalar s => $"'{s.Value}'",
        ConfigList => "a list",
        _ => "a section of keys",
    };
}
