namespace Rewards.Ledger.Data;

/// <summary>
/// What every posting of a ledger transaction carries (L2): the business operation (<see cref="Kind"/>), what it comes
/// from (<see cref="Reference"/>: an order, a partner transaction, a receipt, a campaign, a hold, a lot …), the key that
/// makes it once per account, who caused it and when it took effect. Each operation's entry is made by its factory
/// below, the one place its kind, reference, key and actor are formed; the key formats are stored in postings and
/// must not change.
/// </summary>
public sealed record Entry(string Kind, string Reference, string IdempotencyKey, string CausedBy, DateTimeOffset At, Guid? LotId = null)
{
    /// <summary>A credit of earned or pending points (ops credits, promotions, purchases): its kind, key and actor are the command's.</summary>
    public static Entry Earn(string kind, string reference, string key, Actor by, DateTimeOffset at, Guid? lotId = null) =>
        new(kind, reference, key, by.Name, at, lotId);

    /// <summary>L19: the welcome bonus, once per member.</summary>
    public static Entry WelcomeBonus(Guid memberId, DateTimeOffset at) =>
        new("welcome-bonus", $"welcome:{memberId}", $"welcome:{memberId}", Actor.System("membership").Name, at);

    /// <summary>L4: pending points of <paramref name="lot"/> become earned.</summary>
    public static Entry Activate(LotRow lot, DateTimeOffset earnedAt) =>
        new("activate", lot.Reference, $"activate:{lot.Id}", Actor.System("activation").Name, earnedAt, lot.Id);

    /// <summary>L9: a checkout hold takes points out of their lots.</summary>
    public static Entry Hold(Guid holdId, Actor by, DateTimeOffset at) => new("hold", holdId.ToString(), $"hold:{holdId}", by.Name, at);

    /// <summary>L9: a hold is committed; the held points are redeemed.</summary>
    public static Entry Redeem(Guid holdId, Actor by, DateTimeOffset at) => new("redeem", holdId.ToString(), $"redeem:{holdId}", by.Name, at);

    /// <summary>L16/L9: a partner redemption, keyed by its partner transaction.</summary>
    public static Entry PartnerRedeem(Guid recordId, Guid partnerId, DateTimeOffset at) =>
        new("redeem", recordId.ToString(), recordId.ToString(), Actor.Partner(partnerId).Name, at);

    /// <summary>L9: an open hold is released; its points go back to their lots.</summary>
    public static Entry Release(Guid holdId, string reason, DateTimeOffset at) =>
        new("release", holdId.ToString(), $"release:{holdId}", Actor.System("holds", reason).Name, at);

    /// <summary>L9: redeemed points given back into their lots (a cancelled order or redemption, a refund).</summary>
    public static Entry GiveBack(string redemption, string key, Actor by, DateTimeOffset at) => new("redemption-return", redemption, key, by.Name, at);

    /// <summary>L4/L7: a purchase's points taken back: pending ones voided, earned ones clawed back.</summary>
    public static Entry ClawBack(LotRow purchase, string key, Actor by, DateTimeOffset at) =>
        new(purchase.Status == "pending" ? "void" : "clawback", purchase.Reference, key, by.Name, at, purchase.Id);

    /// <summary>L10: a gift between members.</summary>
    public static Entry Gift(Guid giftId, Guid memberId, DateTimeOffset at) =>
        new("gift", giftId.ToString(), $"gift:{giftId}", Actor.Member(memberId).Name, at);

    /// <summary>L11: a move between a member's channels.</summary>
    public static Entry Transfer(Guid transferId, Guid memberId, DateTimeOffset at) =>
        new("transfer", transferId.ToString(), $"transfer:{transferId}", Actor.Member(memberId).Name, at);

    /// <summary>L6: what is left of <paramref name="lot"/> at its expiry goes to breakage.</summary>
    public static Entry Expire(LotRow lot, string key) => new("expire", lot.Id.ToString(), key, Actor.System("expiry").Name, lot.ExpiresAt!.Value, lot.Id);

    /// <summary>L14: a lot forfeited on withdrawal, disqualification or erasure.</summary>
    public static Entry Forfeit(LotRow lot, string reason, DateTimeOffset at) =>
        new("forfeit", lot.Id.ToString(), $"forfeit:{lot.Id}", Actor.System("forfeiture", reason).Name, at, lot.Id);

    /// <summary>L13: ops take points back; the reference is the key.</summary>
    public static Entry CorrectionDebit(string reference, Actor by, DateTimeOffset at) => new("correction-debit", reference, reference, by.Name, at);

    /// <summary>L15: a negative balance paid off, once per payment.</summary>
    public static Entry PayOff(string paymentReference, Actor by, DateTimeOffset at) =>
        new("payoff", paymentReference, $"payoff:{paymentReference}", by.Name, at);
}

/// <summary>Who caused a posting (L2), as stored in its <c>caused_by</c>.</summary>
public readonly record struct Actor(string Name)
{
    public static Actor Member(Guid memberId) => new($"member:{memberId}");
    public static Actor Partner(Guid partnerId) => new($"partner:{partnerId}");
    public static Actor Order(Guid orderId) => new($"order:{orderId}");
    /// <summary>An ops user, with the reason they gave (audited, L13).</summary>
    public static Actor Ops(string? user, string? why = null) => new(why is null ? $"ops:{user}" : $"ops:{user} ({why})");
    /// <summary>A job or another service acting on its own (<c>system:expiry</c>, <c>system:orders</c> …).</summary>
    public static Actor System(string part, string? why = null) => new(why is null ? $"system:{part}" : $"system:{part} ({why})");

    public override string ToString() => Name;
}
