namespace Rewards.Orders.Domain;

public sealed record DefectClaim(string Defect, decimal? AdjustmentUsd = null);

public sealed record DefectVerdict(bool Allowed, decimal RefundUsd, string? RefusalType, string? Reason)
{
    public static DefectVerdict Refuse(string type, string reason) => new(false, 0m, type, reason);
}

/// <summary>O5: refunds for defects within a few days of delivery, with a photo, at fixed amounts ops may vary a little.</summary>
public static class DefectRefunds
{
    public const string MissingPhotoCard = "missing-photocard";
    public const string MissingPoster = "missing-poster";
    public const string MissingAutograph = "missing-autograph";
    public const string Damaged = "damaged";

    public static readonly string[] Kinds = [MissingPhotoCard, MissingPoster, MissingAutograph, Damaged];

    /// <summary>The contract's name of a defect; "missing-photo-card", the name first used, is still understood.</summary>
    public static string Canonical(string defect) => defect == "missing-photo-card" ? MissingPhotoCard : defect;

    public static decimal AmountOf(string defect, ProgramPolicy policy) => defect switch
    {
        MissingPhotoCard => policy.MissingPhotoCardUsd,
        MissingPoster => policy.MissingPosterUsd,
        MissingAutograph => policy.MissingAutographUsd,
        Damaged => policy.DamagedUsd,
        _ => throw new ArgumentOutOfRangeException(nameof(defect), defect, "Unknown defect"),
    };

    /// <summary>The refund for <paramref name="claims"/>; with earlier refunds (<paramref name="alreadyRefundedUsd"/>) never more than was paid.</summary>
    public static DefectVerdict Decide(DateTimeOffset? deliveredAt, DateTimeOffset now, string? photoReference,
        IReadOnlyList<DefectClaim> claims, decimal paidUsd, decimal alreadyRefundedUsd, ProgramPolicy policy)
    {
        if (deliveredAt is null)
            return DefectVerdict.Refuse("order-not-delivered", "Defects are refunded after delivery; before it, the order can be cancelled.");
        if (now > deliveredAt.Value.AddDays(policy.DefectReportDays))
            return DefectVerdict.Refuse("defect-claim-too-late",
                $"Defects must be reported within {policy.DefectReportDays} days of delivery ({deliveredAt:O}).");
        if (string.IsNullOrWhiteSpace(photoReference))
            return DefectVerdict.Refuse("photo-required", "A photo of the whole box and the item is required.");
        if (claims.Count == 0) return DefectVerdict.Refuse("validation", "Name at least one defect.");

        decimal total = 0m;
        foreach (var claim in claims)
        {
            var defect = Canonical(claim.Defect);
            if (!Kinds.Contains(defect))
                return DefectVerdict.Refuse("validation", $"Unknown defect '{claim.Defect}'; one of: {string.Join(", ", Kinds)}.");
            var adjustment = claim.AdjustmentUsd ?? 0m;
            if (Math.Abs(adjustment) > policy.DefectAdjustmentLimitUsd)
                return DefectVerdict.Refuse("defect-adjustment-too-large",
                    $"Ops may vary a defect's amount by at most {policy.DefectAdjustmentLimitUsd:0.00} USD.");
            total += Math.Max(0m, AmountOf(defect, policy) + adjustment);
        }
        return new DefectVerdict(true, Math.Min(total, Math.Max(0m, paidUsd - alreadyRefundedUsd)), null, null);
    }
}
