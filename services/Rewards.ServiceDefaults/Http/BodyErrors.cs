using System.Text.Json;
using System.Text.RegularExpressions;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// What was wrong with a request body, in the client's words: the fields by their JSON names and what each should be,
/// never the .NET types the body was read into (System.Text.Json's own messages name them).
/// </summary>
internal static partial class BodyErrors
{
    private static readonly string[] Required = ["Required."];

    public static Dictionary<string, string[]> Describe(JsonException? json, string fallback)
    {
        if (json is null) return new() { ["body"] = [fallback] };
        var message = json.Message;
        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            return Quoted().Matches(missing.Groups[1].Value).Select(m => m.Groups[1].Value).Distinct()
                .ToDictionary(field => field, _ => Required);
        }
        // The reader's own exception (internal to System.Text.Json) means the text is not JSON at all.
        if (json.InnerException?.GetType().Name == "JsonReaderException")
            return new() { ["body"] = [$"Not valid JSON (line {json.LineNumber + 1}, position {json.BytePositionInLine + 1})."] };
        var field = json.Path is { Length: > 1 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            return new() { [field] = ["Unknown field: this request does not take it (see the API reference)."] };
        if (message.Contains("doesn't allow setting null values", StringComparison.Ordinal)
            || message.Contains("does not allow null", StringComparison.OrdinalIgnoreCase))
            return new() { [field] = ["Must not be null."] };
        if (ConvertedTo().Match(message) is { Success: true } converted)
            return new() { [field] = [$"Not {Expected(converted.Groups[1].Value)}."] };
        return new() { [field] = ["Not a valid value."] };
    }

    private static string Expected(string dotnetType) => dotnetType.TrimEnd('?') switch
    {
        var t when t.EndsWith("DateOnly", StringComparison.Ordinal) => "a date (yyyy-MM-dd)",
        var t when t.EndsWith("DateTimeOffset", StringComparison.Ordinal) || t.EndsWith("DateTime", StringComparison.Ordinal) => "a time (ISO-8601, e.g. 2027-03-01T09:00:00Z)",
        var t when t.EndsWith("Boolean", StringComparison.Ordinal) => "true or false",
        var t when t.EndsWith("Int32", StringComparison.Ordinal) || t.EndsWith("Int64", StringComparison.Ordinal) => "a whole number",
        var t when t.EndsWith("Decimal", StringComparison.Ordinal) || t.EndsWith("Double", StringComparison.Ordinal) => "a number",
        var t when t.EndsWith("Guid", StringComparison.Ordinal) => "an id (UUID)",
        var t when t.EndsWith("String", StringComparison.Ordinal) => "text",
        var t when t.Contains("List", StringComparison.Ordinal) || t.EndsWith("[]", StringComparison.Ordinal) => "a list",
        _ => "a value of the expected kind (an object where one is expected, one of the documented values)",
    };

    [GeneratedRegex("missing required properties including: (.*)$", RegexOptions.Singleline)]
    private static partial Regex MissingRequired();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"could not be converted to ([^\s.]+(?:\.[^\s.]+)*)")]
    private static partial Regex ConvertedTo();
}
