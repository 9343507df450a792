using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.ServiceDefaults.Http;

namespace Rewards.ServiceDefaults.Messaging;

public sealed record DiscardRequest
{
    public required string Reason { get; init; }
}

/// <summary>Which parked messages a bulk replay or discard takes: those ids, or those of that type; all when neither is given.</summary>
public record ErrorMessageSelection
{
    public IReadOnlyList<string>? MessageIds { get; init; }
    public string? MessageType { get; init; }

    internal bool Matches(ErrorMessage message) =>
        (MessageIds is not { Count: > 0 } || MessageIds.Contains(message.MessageId))
        && (string.IsNullOrWhiteSpace(MessageType) || string.Equals(message.MessageType, MessageType, StringComparison.Ordinal));
}

public sealed record BulkDiscardRequest : ErrorMessageSelection
{
    public required string Reason { get; init; }
}

public sealed record BulkOutcome(string Queue, int Count, IReadOnlyList<ErrorMessage> Messages);

public sealed record ErrorQueueAction(Guid Id, string Queue, string MessageId, string? MessageType, string Action, string? Reason, string Actor, DateTimeOffset At);

/// <summary>
/// /ops/error-queues: the messages this service could not handle after its retries. Ops list them, replay one (back to
/// its queue: the inbox lets it through once, as it never committed) or discard one with a reason; every replay and
/// discard is kept in error_queue_actions.
/// </summary>
internal static class ErrorQueueEndpoints
{
    public static void MapErrorQueues(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<ErrorQueues>() is null) return;
        var ops = app.MapGroup("/ops/error-queues").WithTags("Ops: error queues").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapGet("", async (ErrorQueues queues, CancellationToken ct) => TypedResults.Ok(await queues.ListAsync(ct)))
            .WithSummary("This service's _error queues with their message counts");
        ops.MapGet("/actions", async (NpgsqlDataSource db, CancellationToken ct) =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            return TypedResults.Ok(await conn.QueryAsync<ErrorQueueAction>(new CommandDefinition(
                "select id, queue, message_id as MessageId, message_type as MessageType, action, reason, actor, at from error_queue_actions order by at desc limit 200",
                cancellationToken: ct)));
        }).WithSummary("The latest replays and discards, newest first");
        ops.MapGet("/{queue}/messages", async Task<Results<Ok<IReadOnlyList<ErrorMessage>>, ProblemHttpResult>> (
            string queue, int? limit, ErrorQueues queues, CancellationToken ct) =>
            queues.Owns(queue) ? TypedResults.Ok(await queues.PeekAsync(queue, Math.Clamp(limit ?? 50, 1, 500), ct)) : NoSuchQueue(queue))
            .WithSummary("The messages of one _error queue with the fault each recorded (they stay in the queue)");
        ops.MapPost("/{queue}/messages/{messageId}/replay", async Task<Results<Ok<ErrorMessage>, ProblemHttpResult>> (
            string queue, string messageId, ClaimsPrincipal user, ErrorQueues queues, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
        {
            if (!queues.Owns(queue)) return NoSuchQueue(queue);
            return await queues.ReplayAsync(queue, messageId, ct) is { } replayed
                ? TypedResults.Ok(await AuditAsync(db, clock, queue, replayed, "replayed", null, user, ct))
                : NoSuchMessage(queue, messageId);
        }).WithSummary("Send a message back to its queue, to be handled again");
        ops.MapPost("/{queue}/messages/{messageId}/discard", async Task<Results<Ok<ErrorMessage>, ValidationProblem, ProblemHttpResult>> (
            string queue, string messageId, DiscardRequest request, ClaimsPrincipal user, ErrorQueues queues, NpgsqlDataSource db, TimeProvider clock,
            CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Reason))
                return Problems.Validation(new FieldErrors().Require(false, "reason", "A reason is required (it is audited)."));
            if (!queues.Owns(queue)) return NoSuchQueue(queue);
            return await queues.DiscardAsync(queue, messageId, ct) is { } discarded
                ? TypedResults.Ok(await AuditAsync(db, clock, queue, discarded, "discarded", request.Reason.Trim(), user, ct))
                : NoSuchMessage(queue, messageId);
        }).WithSummary("Remove a message from the _error queue for good, with a reason");

        ops.MapPost("/{queue}/replay", async Task<Results<Ok<BulkOutcome>, ProblemHttpResult>> (
            string queue, ErrorMessageSelection? request, ClaimsPrincipal user, ErrorQueues queues, NpgsqlDataSource db, TimeProvider clock,
            CancellationToken ct) =>
        {
            if (!queues.Owns(queue)) return NoSuchQueue(queue);
            var selection = request ?? new ErrorMessageSelection();
            var replayed = await queues.ReplayAsync(queue, selection.Matches, BulkLimit, ct);
            foreach (var message in replayed) await AuditAsync(db, clock, queue, message, "replayed", null, user, ct);
            return TypedResults.Ok(new BulkOutcome(queue, replayed.Count, replayed));
        }).WithSummary("Send the queue's messages back to be handled again: all, those with the given ids, or those of one message type");
        ops.MapPost("/{queue}/discard", async Task<Results<Ok<BulkOutcome>, ValidationProblem, ProblemHttpResult>> (
            string queue, BulkDiscardRequest request, ClaimsPrincipal user, ErrorQueues queues, NpgsqlDataSource db, TimeProvider clock,
            CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Reason))
                return Problems.Validation(new FieldErrors().Require(false, "reason", "A reason is required (it is audited)."));
            if (!queues.Owns(queue)) return NoSuchQueue(queue);
            var discarded = await queues.DiscardAsync(queue, request.Matches, BulkLimit, ct);
            foreach (var message in discarded) await AuditAsync(db, clock, queue, message, "discarded", request.Reason.Trim(), user, ct);
            return TypedResults.Ok(new BulkOutcome(queue, discarded.Count, discarded));
        }).WithSummary("Remove the queue's messages for good, with a reason: all, those with the given ids, or those of one message type");
    }

    private const int BulkLimit = 1_000;

    private static async Task<ErrorMessage> AuditAsync(NpgsqlDataSource db, TimeProvider clock, string queue, ErrorMessage message, string action,
        string? reason, ClaimsPrincipal user, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            insert into error_queue_actions (id, queue, message_id, message_type, action, reason, actor, at)
            values (@id, @queue, @MessageId, @MessageType, @action, @reason, @actor, @now)
            """,
            new
            {
                id = Guid.CreateVersion7(), queue, message.MessageId, message.MessageType, action, reason,
                actor = $"ops:{user.FindFirst("email")?.Value ?? user.FindFirst("sub")?.Value}", now = clock.GetUtcNow(),
            }, cancellationToken: ct));
        return message;
    }

    private static ProblemHttpResult NoSuchQueue(string queue) => Problems.NotFound($"'{queue}' is not an _error queue of this service");

    private static ProblemHttpResult NoSuchMessage(string queue, string messageId) =>
        Problems.NotFound($"No message {messageId} is waiting in {queue}");
}
