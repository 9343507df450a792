using System.Text.Json;
using Dapper;
using Npgsql;

namespace Rewards.Membership.Features.Standing;

public sealed record AuditEntry(string Action, string? Reason, string Actor, DateTimeOffset At, JsonElement? Details);

/// <summary>M8/M9: every change of a member's standing, with who did it, when and why.</summary>
public static class Audit
{
    public static Task RecordAsync(NpgsqlTransaction tx, Guid memberId, string action, string? reason, string actor,
        DateTimeOffset at, object? details, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into member_audit (member_id, action, reason, actor, at, details)
            values (@memberId, @action, @reason, @actor, @at, @details::jsonb)
            """,
            new { memberId, action, reason, actor, at, details = details is null ? null : JsonSerializer.Serialize(details, JsonSerializerOptions.Web) },
            tx, cancellationToken: ct));

    public static async Task<IReadOnlyList<AuditEntry>> TrailAsync(NpgsqlConnection conn, Guid memberId, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<(string Action, string? Reason, string Actor, DateTimeOffset At, string? Details)>(new CommandDefinition(
            "select action, reason, actor, at, details::text from member_audit where member_id = @memberId order by id",
            new { memberId }, cancellationToken: ct));
        return [.. rows.Select(r => new AuditEntry(r.Action, r.Reason, r.Actor, r.At,
            r.Details is null ? null : JsonDocument.Parse(r.Details).RootElement.Clone()))];
    }
}
