using System.Text.Json;

namespace Rewards.Ops.Console;

/// <summary>What the <c>_JsonTable</c> partial shows: the named fields of each row of a service's JSON array.</summary>
public sealed record JsonTable(string Id, JsonElement? Rows, IReadOnlyList<string> Columns, string Empty = "None.");
