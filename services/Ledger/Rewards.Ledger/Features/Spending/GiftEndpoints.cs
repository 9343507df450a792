using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Spending;

public sealed record GiftRequest
{
    /// <summary>The member who receives the points.</summary>
    public required Guid ToMemberId { get; init; }
    /// <summary>The account the points come from.</summary>
    [AllowedValues("online", "offline")] public required string Channel { get; init; }
    /// <summary>In units of 10 (L9).</summary>
    public required long Points { get; init; }
}

public sealed record GiftedLot(Guid LotId, long Points, DateTimeOffset ExpiresAt);

public sealed record GiftResult(Guid GiftId, IReadOnlyList<GiftedLot> Lots);

public sealed record TransferRequest
{
    /// <summary>The channel the points leave.</summary>
    [AllowedValues("online", "offline")] public required string From { get; init; }
    /// <summary>The other channel.</summary>
    [AllowedValues("online", "offline")] public required string To { get; init; }
    /// <summary>In units of 10.</summary>
    public required long Points { get; init; }
}

public sealed record TransferResult(Guid TransferId, long Points, IReadOnlyList<GiftedLot> Lots);

/// <summary>
/// L10 gifts and L11 channel transfers: one transaction each, both accounts locked in id order, lots consumed FIFO.
/// Repeats are made safe by the Idempotency-Key header, recorded in that transaction with the answer (the gift, or the
/// refusal once the accounts were locked): a repeat waits for the first and gets its answer, even after a crash.
/// </summary>
public static class GiftEndpoints
{
    public static void MapSpending(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/accounts/me").WithTags("Accounts").RequireAuthorization();
        me.MapPost("/gifts", GiftAsync).WithExample("""
            {"toMemberId": "01935f2e-2222-7cc1-9d4e-3c0f8b6a2d11", "channel": "online", "points": 3000}
            """, """
            {"giftId": "01935f2e-3333-7cc1-9d4e-3c0f8b6a2d11", "lots": [{"lotId": "01935f2e-4444-7cc1-9d4e-3c0f8b6a2d11", "points": 3000, "expiresAt": "2031-02-01T00:00:00Z"}]}
            """).Refuses(400, "invalid-points-unit").Refuses(404, "member-not-found").Refuses(409, "insufficient-points", "negative-balance")
            .WithSummary("Gift purchase points to another member of the same channel (L10)");
        me.MapPost("/transfers", TransferAsync).WithExample("""
            {"from": "online", "to": "offline", "points": 5000}
            """).Refuses(400, "invalid-points-unit").Refuses(409, "insufficient-points", "negative-balance")
            .WithSummary("Move earned points between the online and offline accounts (L11)");
    }

    public static async Task<Results<Created<GiftResult>, ValidationProblem, ProblemHttpResult>> GiftAsync(
        GiftRequest request, HttpContext context, RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy,
        CancellationToken ct)
    {
        var memberId = context.User.MemberId();
        var errors = new FieldErrors()
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.")
            .Require(request.Points > 0, "points", "A positive number of points.")
            .Require(request.ToMemberId != memberId, "toMemberId", "Points cannot be gifted to oneself.");
        if (errors.Count > 0) return Problems.Validation(errors);
        if (SpendRules.UnitRefusal(request.Points, policy.Value.PointsUnit) is { } unit) return unit.ToProblem();

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var known = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from accounts where member_id = @id)", new { id = request.ToMemberId }, tx, cancellationToken: ct));
        if (!known) return Problems.Of(404, "member-not-found", "No such member", $"There is no member {request.ToMemberId} to receive the gift.");

        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(memberId, request.Channel), (request.ToMemberId, request.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var from = session.Book(memberId, request.Channel);
        var to = session.Book(request.ToMemberId, request.Channel);
        var giftable = from.Lots.Where(l => PointsRules.IsGiftable(l.ToDomain())).ToList();
        if (SpendRules.BalanceRefusal(from, request.Points, giftable.Sum(l => l.Remaining), "giftable (purchase)") is { } refusal)
        {
            return await session.RefuseAsync(refusal.ToProblem(), work, ct);
        }

        var giftId = Guid.CreateVersion7();
        var reference = giftId.ToString();
        var allocation = Fifo.Allocate(giftable.Select(l => l.ToDomain()), request.Points);
        var (_, lots) = session.MoveLots(from, to, allocation.Allocations,
            Entry.Gift(giftId, memberId, now), "gift",
            (source, points) => session.AddLot(to, LotSource.Gift, reference, points, "earned", source.EarnedAt,
                PointsRules.GiftedExpiry(source.ExpiresAt!.Value, now, policy.Value.GiftMinimumMonthsLeft, policy.Value.GiftExtensionMonths),
                transferable: false, originLotId: source.Id));
        await conn.ExecuteAsync(new CommandDefinition(
            "insert into gifts (id, from_member_id, to_member_id, channel, points, created_at) values (@giftId, @memberId, @to, @channel, @points, @now)",
            new { giftId, memberId, to = request.ToMemberId, channel = request.Channel, points = request.Points, now }, tx, cancellationToken: ct));
        session.Publish(new PointsGifted { GiftId = giftId, FromMemberId = memberId, ToMemberId = request.ToMemberId, Channel = request.Channel, Points = request.Points, At = now });
        var result = new GiftResult(giftId, [.. lots.Select(l => new GiftedLot(l.Id, l.Amount, l.ExpiresAt!.Value))]);
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created($"/accounts/me/postings", result);
    }

    public static async Task<Results<Created<TransferResult>, ValidationProblem, ProblemHttpResult>> TransferAsync(
        TransferRequest request, HttpContext context, RequestTransaction work, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy,
        CancellationToken ct)
    {
        var memberId = context.User.MemberId();
        var errors = new FieldErrors()
            .Require(Channel.IsValid(request.From), "from", "One of: online, offline.")
            .Require(Channel.IsValid(request.To), "to", "One of: online, offline.")
            .Require(request.From != request.To, "to", "The other channel than 'from'.")
            .Require(request.Points > 0, "points", "A positive number of points.");
        if (errors.Count > 0) return Problems.Validation(errors);
        if (SpendRules.UnitRefusal(request.Points, policy.Value.PointsUnit) is { } unit) return unit.ToProblem();

        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var session = new LedgerSession(tx, outbox, now);
        await session.LockAsync([(memberId, request.From), (memberId, request.To)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var from = session.Book(memberId, request.From);
        var to = session.Book(memberId, request.To);
        if (SpendRules.BalanceRefusal(from, request.Points, from.Available) is { } refusal)
        {
            return await session.RefuseAsync(refusal.ToProblem(), work, ct);
        }

        var transferId = Guid.CreateVersion7();
        var reference = transferId.ToString();
        var allocation = Fifo.Allocate(from.Lots.Select(l => l.ToDomain()), request.Points);
        // Lots move with their dates and flags (L11): a promotion stays a promotion, a received gift stays ungiftable.
        var (_, lots) = session.MoveLots(from, to, allocation.Allocations,
            Entry.Transfer(transferId, memberId, now), "transfer",
            (source, points) => session.AddLot(to, LotSources.Parse(source.Source), reference, points, "earned", source.EarnedAt, source.ExpiresAt,
                source.Transferable, originLotId: source.Id));
        var result = new TransferResult(transferId, request.Points, [.. lots.Select(l => new GiftedLot(l.Id, l.Amount, l.ExpiresAt!.Value))]);
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return TypedResults.Created($"/accounts/me/postings", result);
    }
}
