using System.Diagnostics.Metrics;
using Rewards.Contracts.Ledger;

namespace Rewards.Ledger.Features.Holds;

/// <summary>L9: how checkout holds are answered, <c>rewards_ledger_hold_answers_total{outcome, reason}</c> (reason of a refusal).</summary>
public sealed class HoldMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _answers = meters.Create("Rewards.Ledger").CreateCounter<long>("rewards.ledger.hold_answers", "{answer}",
        "Answers to checkout hold requests: held, or refused with the reason (insufficient-points, negative-balance, hold-closed …)");

    public void Answered(object answer)
    {
        var (outcome, reason) = answer is PointsHoldRefused refused ? ("refused", refused.Reason) : ("held", "");
        _answers.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason));
    }
}
