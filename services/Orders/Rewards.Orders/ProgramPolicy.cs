using System.ComponentModel.DataAnnotations;

namespace Rewards.Orders;

/// <summary>The Orders numbers of SPEC.md (O1–O9), bound from configuration section "Policy".</summary>
public sealed class ProgramPolicy
{
    /// <summary>O1: more items than this in one order go through the help desk.</summary>
    [Range(1, 100_000)] public int MaxItemsPerOrder { get; set; } = 300;
}
