using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.Holds;

/// <summary>
/// L9, request/response: reserve points for a checkout. Asking again with the same hold id answers the same (the hold
/// id is the posting key), so Orders may retry after a timeout without holding twice, and a redelivered request is
/// answered again.
/// </summary>
public sealed class HoldPointsConsumer(IServiceProvider services, IOptions<ProgramPolicy> policy, HoldMetrics metrics)
    : InboxConsumer<HoldPoints>(services)
{
    protected override bool AnswersRepeats => true;

    protected override async Task HandleAsync(HoldPoints request, NpgsqlTransaction tx, CancellationToken ct)
    {
        var answer = Channel.IsValid(request.Channel)
            ? await HoldAsync(request, tx, ct)
            : new PointsHoldRefused { HoldId = request.HoldId, Reason = "validation", Detail = "Channel must be online or offline." };
        Respond(answer);
        metrics.Answered(answer);
    }

    private async Task<object> HoldAsync(HoldPoints request, NpgsqlTransaction tx, CancellationToken ct)
    {
        var session = new LedgerSession(tx, Outbox, Clock.GetUtcNow());
        await session.LockAsync([(request.MemberId, request.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        var existing = await CheckoutHolds.FindAsync(session, request.HoldId, ct);
        object answer;
        if (existing is not null)
        {
            answer = existing.Status == "released"
                ? new PointsHoldRefused { HoldId = request.HoldId, Reason = "hold-closed", Detail = "This hold was released; ask with a new hold id." }
                : new PointsHeld { HoldId = existing.Id, Points = existing.Points, ExpiresAt = existing.ExpiresAt };
        }
        else
        {
            var (hold, refusal) = await CheckoutHolds.PlaceAsync(session, request, policy.Value, ct);
            answer = hold is not null
                ? new PointsHeld { HoldId = hold.Id, Points = hold.Points, ExpiresAt = hold.ExpiresAt }
                : new PointsHoldRefused { HoldId = request.HoldId, Reason = refusal!.Type, Detail = refusal.Detail };
        }
        await session.SaveAsync(ct);
        return answer;
    }
}

/// <summary>L9: payment confirmed; the held points are redeemed. A commit for a hold that already ended is refused by event.</summary>
public sealed class CommitPointsHoldConsumer(IServiceProvider services) : InboxConsumer<CommitPointsHold>(services)
{
    protected override async Task HandleAsync(CommitPointsHold message, NpgsqlTransaction tx, CancellationToken ct) =>
        await HoldStep.RunAsync(tx, Outbox, Clock, message.HoldId, async (session, hold) =>
        {
            if (hold.Status == "open") await CheckoutHolds.CommitAsync(session, hold, ct);
            else if (hold.Status == "released")
            {
                session.Publish(new PointsHoldReleased
                {
                    HoldId = hold.Id, MemberId = hold.MemberId, Channel = hold.Channel, OrderId = hold.OrderId, Points = hold.Points,
                    Reason = "already-released", CommitRefused = true, At = session.Now,
                });
            }
        }, ct);
}

/// <summary>L9: the checkout ended without payment; the held points go back to their lots.</summary>
public sealed class ReleasePointsHoldConsumer(IServiceProvider services) : InboxConsumer<ReleasePointsHold>(services)
{
    protected override async Task HandleAsync(ReleasePointsHold message, NpgsqlTransaction tx, CancellationToken ct) =>
        await HoldStep.RunAsync(tx, Outbox, Clock, message.HoldId, async (session, hold) =>
        {
            if (hold.Status == "open") await CheckoutHolds.ReleaseAsync(session, hold, message.Reason, ct);
        }, ct);
}

internal static class HoldStep
{
    /// <summary>Locks the hold's member account, re-reads the hold under the lock and runs <paramref name="step"/>.</summary>
    public static async Task RunAsync(NpgsqlTransaction tx, Outbox outbox, TimeProvider clock, Guid holdId,
        Func<LedgerSession, HoldRow, Task> step, CancellationToken ct)
    {
        var session = new LedgerSession(tx, outbox, clock.GetUtcNow());
        var hold = await CheckoutHolds.FindAsync(session, holdId, ct);
        if (hold is null) return; // never placed (the request was refused): nothing to commit or release
        await session.LockAsync([(hold.MemberId, hold.Channel)], ct);
        await session.LoadLotsAsync(ct);
        session.ExpireDueLots();
        await step(session, (await CheckoutHolds.FindAsync(session, holdId, ct))!);
        await session.SaveAsync(ct);
    }
}
