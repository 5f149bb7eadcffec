using System.Text;

namespace Repro.Experiments.Config;

/// <summary>snake_case config keys for PascalCase properties, and the "did you mean" suggestion for typos.</summary>
public static class KeyNames
{
    /// <summary><c>TrainSubset</c> -> <c>train_subset</c>, <c>FC7Width</c> -> <c>fc7_width</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || acronymEnds)
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>The candidate nearest to <paramref name="key"/> by edit distance, or null when none is plausibly meant.</summary>
    public static string? Nearest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates.OrderBy(c => c, StringComparer.Ordinal))
        {
            int d = Levenshtein(key, candidate);
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        // A suggestion further away than about half the word is noise, not help.
        return best is not null && bestDistance <= Math.Max(2, key.Length / 2) ? best : null;
    }

    /// <summary>" (did you mean 'x'?)" when a near candidate exists, otherwise " (valid: a, b, c)".</summary>
    public static string Suggestion(string key, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        var nearest = Nearest(key, list);
        if (nearest is not null)
            return $" (did you mean '{nearest}'?)";
        return list.Count == 0 ? "" : $" (valid: {string.Join(", ", list)})";
    }

    public static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
