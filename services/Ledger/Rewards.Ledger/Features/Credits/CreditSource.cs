using Rewards.Ledger.Data;
using Rewards.Ledger.Domain;

namespace Rewards.Ledger.Features.Credits;

/// <summary>
/// What a credit comes from. Its kind decides what the Ledger does with it: the lot's source, the postings' kind, the
/// system account the points come out of, whether they may be given away, and which "once" applies: a shop order earns
/// once per member account and activates 48 h after its delivery (L3, L4); a receipt earns once, to whichever member
/// (L12); a partner transaction is made once by its transaction id (L16); a campaign grants once per member.
/// <see cref="Reference"/> is what lots and postings store; its formats must not change.
/// </summary>
public abstract record CreditSource
{
    private CreditSource() { }

    public abstract string Reference { get; }
    public abstract LotSource Lot { get; }
    public abstract string PostingKind { get; }
    public virtual Guid SystemAccount => SystemAccounts.Issuance;
    /// <summary>L10: promotion points cannot be given away.</summary>
    public bool Transferable => Lot != LotSource.Promotion;

    /// <summary>A member's paid shop order (L3).</summary>
    public sealed record Order(Guid OrderId) : CreditSource
    {
        public override string Reference => OrderId.ToString();
        public override LotSource Lot => LotSource.Purchase;
        public override string PostingKind => "earn-pending";
    }

    /// <summary>A purchase in a partner store (L16), by the Ledger's id of the partner transaction.</summary>
    public sealed record PartnerPurchase(Guid RecordId) : CreditSource
    {
        public override string Reference => RecordId.ToString();
        public override LotSource Lot => LotSource.Purchase;
        public override string PostingKind => "earn-pending";
    }

    /// <summary>L12: a purchase that earned nothing at the time, credited later by ops from its receipt.</summary>
    public sealed record Receipt(string Number) : CreditSource
    {
        public override string Reference => Number;
        public override LotSource Lot => LotSource.MissedEarning;
        public override string PostingKind => "missed-earning";
    }

    /// <summary>Promotion points: one ops credit, or a campaign's grant to many members.</summary>
    public sealed record Campaign(Guid CampaignId) : CreditSource
    {
        public override string Reference => $"promotion:{CampaignId}";
        public override LotSource Lot => LotSource.Promotion;
        public override string PostingKind => "promotion";
    }

    /// <summary>L13: points ops add to put a mistake right; they come out of the adjustment account.</summary>
    public sealed record Correction(Guid CorrectionId) : CreditSource
    {
        public override string Reference => $"correction:{CorrectionId}";
        public override LotSource Lot => LotSource.Correction;
        public override string PostingKind => "correction";
        public override Guid SystemAccount => SystemAccounts.Adjustment;
    }
}
