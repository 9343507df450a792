using System.Text.Json;

namespace Rewards.Ops.Console;

/// <summary>Reading optional fields of the services' answers: a field that is missing or null is null, not an exception.</summary>
public static class JsonFields
{
    public static string? Text(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static double? Number(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static bool? Flag(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    public static DateTimeOffset? Time(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var t) ? t : null;

    public static Guid? Id(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetGuid(out var g) ? g : null;

    /// <summary>A value as a person reads it: times to the second in UTC, objects as "name value" pairs, null as blank.</summary>
    public static string Display(this JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.String when v.GetString() is { Length: >= 20 } s && s[4] == '-' && s[10] == 'T' && v.TryGetDateTimeOffset(out var t) =>
            t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Object => string.Join(", ", v.EnumerateObject().Select(p => $"{p.Name} {p.Value.Display()}")),
        JsonValueKind.Array => string.Join(", ", v.EnumerateArray().Select(e => e.Display())),
        _ => v.ToString(),
    };
}
