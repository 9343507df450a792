using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// A request's Idempotency-Key, checked and scoped to its caller, with the hash of its method, path and body.
/// <see cref="Kept"/> keys are a business identity (a partner's transaction id) and answer for ever; <see cref="ReuseType"/>
/// is the problem slug for the key used with another request.
/// </summary>
public sealed record IdempotencyClaim(string Scope, string Key, string RequestHash, bool Kept = false, string ReuseType = "idempotency-key-reuse");

/// <summary>The first response to a key; <see cref="StatusCode"/> is null while that request still runs.</summary>
public sealed record IdempotencyRecord(string RequestHash, int? StatusCode, string? ContentType, byte[]? Body);

/// <summary>Endpoint metadata: the endpoint writes several requests in one transaction and records their keys there itself.</summary>
public sealed class BatchedIdempotency;

/// <summary>
/// Endpoint metadata: the request's key is the string property <see cref="Property"/> of its JSON body (a partner's
/// transaction id, L16) rather than the Idempotency-Key header. Such keys are kept for ever, and a key reused for another
/// request is refused as <see cref="ReuseType"/>. A body without the property goes on unclaimed: the endpoint refuses it.
/// </summary>
public sealed record IdempotencyKeyInBody(string Property, string ReuseType);

/// <summary>
/// Idempotency-Key records, written in the transaction of the change they belong to. <see cref="IdempotencyMiddleware"/>
/// does it for a request's own <see cref="Data.RequestTransaction"/>; a hot endpoint that batches several requests' writes
/// into one transaction instead looks its claims up (<see cref="FindAsync"/>, <see cref="FindSql"/>) and adds <see cref="InsertCommand"/> to its transaction, so the
/// record exists if and only if the change committed. A key whose request changed nothing (refused as invalid, say)
/// is not recorded, and a corrected request may use it again.
/// </summary>
public static class IdempotencyRecords
{
    public static RouteHandlerBuilder WithBatchedIdempotency(this RouteHandlerBuilder endpoint) =>
        endpoint.WithMetadata(new BatchedIdempotency());

    /// <summary>The key is the body's <paramref name="property"/>, kept for ever (<see cref="IdempotencyKeyInBody"/>).</summary>
    public static RouteHandlerBuilder WithIdempotencyKeyInBody(this RouteHandlerBuilder endpoint, string property, string reuseType) =>
        endpoint.WithMetadata(new IdempotencyKeyInBody(property, reuseType));

    /// <summary>The claim the middleware made for this request, when it carries an Idempotency-Key.</summary>
    public static IdempotencyClaim? ClaimOf(HttpContext context) => context.Features.Get<IdempotencyClaim>();

    /// <summary>
    /// Finds the records of claims (parameters <c>@claimScopes</c>, <c>@claimKeys</c>: text arrays), to be sent with the
    /// transaction's other look-ups; <see cref="Found"/> reads the rows.
    /// </summary>
    public const string FindSql = """
        select i.scope, i.key, i.request_hash as RequestHash, i.status_code as StatusCode, i.content_type as ContentType, i.body
        from unnest(@claimScopes, @claimKeys) c(scope, key) join idempotency_keys i on i.scope = c.scope and i.key = c.key
        """;

    /// <summary>
    /// The record of one claim; an endpoint recording in its own transaction reads it there, once it holds the locks its
    /// change needs.
    /// </summary>
    public static async Task<IdempotencyRecord?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IdempotencyClaim claim, CancellationToken ct) =>
        Found(await conn.QueryAsync<FoundRecord>(new CommandDefinition(FindSql,
            new { claimScopes = new[] { claim.Scope }, claimKeys = new[] { claim.Key } }, tx, cancellationToken: ct))).Values.SingleOrDefault();

    /// <summary>The response to record for <paramref name="claim"/>: <paramref name="body"/> as JSON, as the endpoint's result writes it.</summary>
    public static IdempotencyRecord Response(IdempotencyClaim claim, int status, object body, JsonSerializerOptions json, string? contentType = null) =>
        new(claim.RequestHash, status, contentType ?? "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), json));

    public static Dictionary<(string Scope, string Key), IdempotencyRecord> Found(IEnumerable<FoundRecord> rows) =>
        rows.ToDictionary(r => (r.Scope, r.Key), r => new IdempotencyRecord(r.RequestHash, r.StatusCode, r.ContentType, r.Body));

    public sealed record FoundRecord(string Scope, string Key, string RequestHash, int? StatusCode, string? ContentType, byte[]? Body);

    /// <summary>
    /// Records the responses, to be sent with the transaction's other writes. A key recorded meanwhile by a concurrent
    /// transaction fails the statement (unique violation): retried, the request finds that record.
    /// </summary>
    public static NpgsqlBatchCommand InsertCommand(IReadOnlyCollection<(IdempotencyClaim Claim, IdempotencyRecord Response)> records, DateTimeOffset now) =>
        new("""
            insert into idempotency_keys (scope, key, request_hash, kept, status_code, content_type, body, created_at, completed_at)
            select *, @now, @now from unnest(@scopes, @keys, @hashes, @kept, @statuses, @types, @bodies)
            """)
        {
            Parameters =
            {
                new("scopes", records.Select(r => r.Claim.Scope).ToArray()),
                new("keys", records.Select(r => r.Claim.Key).ToArray()),
                new("hashes", records.Select(r => r.Claim.RequestHash).ToArray()),
                new("kept", records.Select(r => r.Claim.Kept).ToArray()),
                new("statuses", records.Select(r => r.Response.StatusCode).ToArray()),
                new("types", records.Select(r => r.Response.ContentType).ToArray()),
                new("bodies", records.Select(r => r.Response.Body).ToArray()),
                new("now", now),
            },
        };
}

/// <summary>
/// The answer to a repeated key: the first response again (header Idempotent-Replayed: true) when the request is the
/// same, 409 /problems/idempotency-key-reuse (or the claim's <see cref="IdempotencyClaim.ReuseType"/>) when it is not,
/// 409 /problems/idempotency-key-in-progress while the first still runs.
/// </summary>
public sealed class IdempotentReplay(IdempotencyRecord? first, IdempotencyClaim claim) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        if (first is not null && first.RequestHash != claim.RequestHash)
        {
            await Problems.Of(409, claim.ReuseType, "This key was used for a different request",
                $"'{claim.Key}' was first used with another request; a repeat must be the same request, and a new request needs a new key.")
                .ExecuteAsync(httpContext);
            return;
        }
        if (first?.StatusCode is not { } status)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            await Problems.Of(409, "idempotency-key-in-progress", "The first request with this Idempotency-Key is still being processed")
                .ExecuteAsync(httpContext);
            return;
        }
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = first.ContentType;
        httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        if (first.Body is { Length: > 0 } body) await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
