using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Notifications.Features.Log;

public sealed record NotificationView(
    Guid NotificationId, string Type, string To, string Subject, [property: AllowedValues("sent", "failed", "suppressed", "pending")] string Status, int Attempts, DateTimeOffset? SentAt, Guid EventId, Guid? MemberId);

public static class NotificationLogEndpoints
{
    public static void MapNotificationLog(this IEndpointRouteBuilder app) =>
        app.MapGet("/ops/notifications", ListAsync).WithTags("Ops: notifications").RequireAuthorization(AuthExtensions.OpsPolicy)
            .WithSummary("Look up sent and pending e-mails (N3)");

    public static async Task<Ok<IReadOnlyList<NotificationView>>> ListAsync(
        Guid? memberId, string? to, string? type, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<NotificationView>(new CommandDefinition(
            """
            select id as NotificationId, type, to_address as To, subject, status, attempts, sent_at as SentAt,
                   event_id as EventId, member_id as MemberId
            from notifications
            where (@memberId::uuid is null or member_id = @memberId)
              and (@to::text is null or lower(to_address) = lower(@to))
              and (@type::text is null or type = @type)
            order by created_at desc limit 500
            """, new { memberId, to, type }, cancellationToken: ct));
        return TypedResults.Ok<IReadOnlyList<NotificationView>>([.. rows]);
    }
}
