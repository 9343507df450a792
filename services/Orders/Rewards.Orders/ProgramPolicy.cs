using System.ComponentModel.DataAnnotations;

namespace Rewards.Orders;

/// <summary>The Orders numbers of SPEC.md (O1–O9), bound from configuration section "Policy".</summary>
public sealed class ProgramPolicy
{
    /// <summary>O1: more items than this in one order go through the help desk.</summary>
    [Range(1, 100_000)] public int MaxItemsPerOrder { get; set; } = 300;

    /// <summary>O4: hours after payment during which a processing order of normal items can be cancelled.</summary>
    [Range(0, 24 * 30)] public int CancellationHours { get; set; } = 24;
    /// <summary>O4: meet-and-greet items can be cancelled until this many minutes before the broadcast.</summary>
    [Range(0, 24 * 60)] public int MeetAndGreetCancellationMinutes { get; set; } = 30;
    /// <summary>O4: fee per item for cancelling a prepared order; the rest is refunded.</summary>
    [Range(0, 1000)] public decimal PreparedCancellationFeePerItemUsd { get; set; } = 3.00m;
    /// <summary>O4: months after shipping after which ops may refund a parcel that cannot be traced.</summary>
    [Range(1, 24)] public int UntraceableParcelMonths { get; set; } = 3;

    /// <summary>O5: days after delivery within which a defect can be reported.</summary>
    [Range(0, 365)] public int DefectReportDays { get; set; } = 3;
    /// <summary>O5: refund per defect, USD.</summary>
    [Range(0, 1000)] public decimal MissingPhotoCardUsd { get; set; } = 2.00m;
    [Range(0, 1000)] public decimal MissingPosterUsd { get; set; } = 4.00m;
    [Range(0, 1000)] public decimal MissingAutographUsd { get; set; } = 3.00m;
    [Range(0, 1000)] public decimal DamagedUsd { get; set; } = 3.00m;
    /// <summary>O5: how far ops may vary each defect amount, up or down.</summary>
    [Range(0, 1000)] public decimal DefectAdjustmentLimitUsd { get; set; } = 2.00m;

    /// <summary>O6: goods above this amount ship free (the tracking fee is still charged).</summary>
    [Range(0, 100_000)] public decimal FreeShippingAboveUsd { get; set; } = 49.99m;
    [Range(0, 1000)] public decimal TrackingFeeUsd { get; set; } = 2.99m;
    /// <summary>O6: standard shipping below the free-shipping amount. The seed's shipping guide is not given; our default.</summary>
    [Range(0, 1000)] public decimal StandardShippingUsd { get; set; } = 6.00m;
    /// <summary>O6: parcels heavier than this must go EMS …</summary>
    [Range(1, 100_000)] public int MaxStandardWeightGrams { get; set; } = 1900;
    /// <summary>O6: … at this surcharge (our default; the seed names no figure).</summary>
    [Range(0, 1000)] public decimal EmsSurchargeUsd { get; set; } = 15.00m;
    /// <summary>O6/O7: residents of this country ship free and have the duty-free limit.</summary>
    [Required, StringLength(2, MinimumLength = 2)] public string HomeCountry { get; set; } = "KR";

    /// <summary>O7: most a resident of the home country may buy duty-free per departure, USD.</summary>
    [Range(0, 1_000_000)] public decimal DutyFreeLimitPerDepartureUsd { get; set; } = 3000m;
    /// <summary>O8: whether members who registered through a social network may pay. Shilla: yes (default); Mwave: no.</summary>
    public bool SocialLoginMembersMayPay { get; set; } = true;
    /// <summary>O8: minutes an order may wait for payment before it expires (and its points hold is released).</summary>
    [Range(1, 24 * 60)] public int PaymentTimeoutMinutes { get; set; } = 20;
    /// <summary>L9: points per USD when paying with points (1,000 points = USD 1.00).</summary>
    [Range(1, 1_000_000)] public int PointsPerUsd { get; set; } = 1000;

    /// <summary>O7: passport numbers of duty-free orders are kept only as a keyed hash (HMAC-SHA256) under this key.</summary>
    [Required, MinLength(16)] public string IdentityHashKey { get; set; } = "";

    /// <summary>O7: minimum age for alcohol and tobacco.</summary>
    [Range(0, 30)] public int AdultAge { get; set; } = 19;
}
