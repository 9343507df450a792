using Rewards.Ops.Console;

namespace Rewards.Ops.Pages.Members;

/// <summary>The ops actions on one member, each the owning service's own API (Membership: standing; Ledger: points).</summary>
internal static class MemberActions
{
    public static Task<ApiResult> StandingAsync(OpsApi api, Guid memberId, string action, string reason, string key, CancellationToken ct) => action switch
    {
        "disqualify" => api.SendAsync(HttpMethod.Post, "Membership", $"/ops/members/{memberId}/disqualification", new { reason }, ct, key),
        "reinstate" => api.SendAsync(HttpMethod.Post, "Membership", $"/ops/members/{memberId}/reinstatement", new { reason }, ct, key),
        "mark-problem-customer" => api.SendAsync(HttpMethod.Put, "Membership", $"/ops/members/{memberId}/problem-customer", new { reason }, ct, key),
        "unmark-problem-customer" => api.SendAsync(HttpMethod.Delete, "Membership", $"/ops/members/{memberId}/problem-customer", new { reason }, ct, key),
        _ => Task.FromResult(new ApiResult(400, null, $"Unknown action '{action}'")),
    };

    public static Task<ApiResult> CreditAsync(OpsApi api, Guid memberId, string channel, long points, string kind, string reason, DateOnly? expiresOn,
        string key, CancellationToken ct) =>
        api.SendAsync(HttpMethod.Post, "Ledger", $"/ops/members/{memberId}/credits", new
        {
            channel, points, kind, reason,
            expiresAt = expiresOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        }, ct, key);

    public static Task<ApiResult> DebitAsync(OpsApi api, Guid memberId, string channel, long points, string reason, string key, CancellationToken ct) =>
        api.SendAsync(HttpMethod.Post, "Ledger", $"/ops/members/{memberId}/debits", new { channel, points, reason }, ct, key);

    public static Task<ApiResult> PayoffAsync(OpsApi api, Guid memberId, string channel, decimal paidUsd, string paymentReference, string key,
        CancellationToken ct) =>
        api.SendAsync(HttpMethod.Post, "Ledger", $"/ops/members/{memberId}/payoff", new { channel, paidUsd, paymentReference }, ct, key);
}
