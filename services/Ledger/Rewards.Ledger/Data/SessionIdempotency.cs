using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Data;

/// <summary>
/// The Idempotency-Key answers of endpoints that write through one <see cref="LedgerSession"/> (marked
/// <see cref="IdempotencyRecords.WithIdempotencyInTransaction"/>): looked up once the session holds its locks, recorded
/// with the session's writes, so the answer commits if and only if the change does.
/// </summary>
public static class SessionIdempotency
{
    /// <summary>The first answer to the request's key, if it has one; ask once the session holds its locks.</summary>
    public static async Task<IdempotentReplay?> FirstAnswerAsync(this LedgerSession session, IdempotencyClaim? claim, CancellationToken ct) =>
        claim is not null && await IdempotencyRecords.FindAsync(session.Transaction.Connection!, session.Transaction, claim, ct) is { } first
            ? new IdempotentReplay(first, claim.RequestHash) : null;

    public static void RecordAnswer(this LedgerSession session, IdempotencyClaim? claim, int status, object body, JsonSerializerOptions json,
        string? contentType = null)
    {
        if (claim is null) return;
        session.SaveAlso(IdempotencyRecords.InsertCommand([(claim, IdempotencyRecords.Response(claim, status, body, json, contentType))], session.Now));
    }

    /// <summary>Commits the refusal as the key's answer, with whatever the session changed (lots found expired stay expired).</summary>
    public static async Task<ProblemHttpResult> RefuseAsync(this LedgerSession session, ProblemHttpResult problem, IdempotencyClaim? claim,
        JsonSerializerOptions json, CancellationToken ct)
    {
        session.RecordAnswer(claim, problem.StatusCode, problem.ProblemDetails, json, "application/problem+json");
        await session.SaveAsync(ct);
        await session.Transaction.CommitAsync(ct);
        return problem;
    }
}
