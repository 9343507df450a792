using Microsoft.AspNetCore.Http.HttpResults;
using Rewards.ServiceDefaults.Data;

namespace Rewards.Ledger.Data;

public static class SessionRefusals
{
    /// <summary>
    /// Commits a refusal made once the accounts were locked, with whatever the session changed meanwhile (lots found
    /// expired stay expired); with an Idempotency-Key the refusal is recorded as the key's answer in that commit.
    /// </summary>
    public static async Task<ProblemHttpResult> RefuseAsync(this LedgerSession session, ProblemHttpResult problem, RequestTransaction work,
        CancellationToken ct)
    {
        await session.SaveAsync(ct);
        await work.CommitAsync(ct);
        return problem;
    }
}
