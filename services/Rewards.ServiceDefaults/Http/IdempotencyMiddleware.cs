using System.Buffers;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// Every POST/PUT/PATCH may carry an Idempotency-Key. The first request with a key runs and its response (status,
/// content type, body) is stored; a repeat with the same key and the same method, path and body gets that response
/// again (header Idempotent-Replayed: true) and changes nothing; the same key with another body is refused with
/// 409 /problems/idempotency-key-reuse; a repeat while the first is still running gets 409
/// /problems/idempotency-key-in-progress. Server errors (5xx) are not stored, so the client can retry. Keys are
/// scoped per caller (token subject, or anonymous) and kept for <see cref="IdempotencyCleanupJob.Retention"/>.
/// An endpoint marked <see cref="IdempotencyRecords.WithIdempotencyInTransaction"/> gets the checked key as an
/// <see cref="IdempotencyClaim"/> instead, and records it in the transaction of its own change (no extra commits).
/// A claim whose request never finished (the service stopped between its change and storing the response) stays
/// "in progress" until the cleanup; for an endpoint marked <see cref="IdempotencyRecords.WithIdempotentEffects"/> a
/// repeat after <see cref="AbandonedAfter"/> takes it over and runs the request again.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next)
{
    public const string Header = "Idempotency-Key";

    /// <summary>Far longer than any request runs: a claim this old without a response was abandoned.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(5);

    public async Task InvokeAsync(HttpContext context, NpgsqlDataSource db, TimeProvider clock)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method) && !HttpMethods.IsPatch(request.Method)
            || !request.Headers.TryGetValue(Header, out var values)
            || request.Path.StartsWithSegments("/_test"))
        {
            await next(context);
            return;
        }

        var key = values.ToString();
        if (key.Length is 0 or > 255)
        {
            await WriteProblemAsync(context, 400, "invalid-idempotency-key", "The Idempotency-Key must have 1 to 255 characters");
            return;
        }

        var scope = context.User.FindFirst("sub")?.Value ?? "anonymous";
        var hash = await HashAsync(request, context.RequestAborted);
        var ct = context.RequestAborted;
        var claim = new IdempotencyClaim(scope, key, hash);
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotencyInTransaction>() is not null)
        {
            context.Features.Set(claim);
            await next(context);
            return;
        }
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var now = clock.GetUtcNow();
            var claimed = await conn.ExecuteAsync(new CommandDefinition(
                """
                insert into idempotency_keys (scope, key, request_hash, created_at) values (@scope, @key, @hash, @now)
                on conflict do nothing
                """, new { scope, key, hash, now }, cancellationToken: ct));
            if (claimed == 0 && context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEffects>() is not null)
            {
                // One repeat wins the takeover; others still see the claim in progress.
                claimed = await conn.ExecuteAsync(new CommandDefinition(
                    """
                    update idempotency_keys set created_at = @now
                    where scope = @scope and key = @key and request_hash = @hash and completed_at is null and created_at < @abandoned
                    """, new { scope, key, hash, now, abandoned = now - AbandonedAfter }, cancellationToken: ct));
            }
            if (claimed == 0)
            {
                await new IdempotentReplay(await IdempotencyRecords.FindAsync(conn, null, claim, ct), hash).ExecuteAsync(context);
                return;
            }
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            await ForgetAsync(db, scope, key);
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }

        if (context.Response.StatusCode >= 500) await ForgetAsync(db, scope, key);
        else
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(
                """
                update idempotency_keys set status_code = @status, content_type = @contentType, body = @body, completed_at = @now
                where scope = @scope and key = @key
                """,
                new { scope, key, status = context.Response.StatusCode, contentType = context.Response.ContentType, body = buffer.ToArray(), now = clock.GetUtcNow() });
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, ct);
    }

    private static async Task<string> HashAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                total += read;
                if (total > HostingExtensions.MaxRequestBodyBytes) throw new BadHttpRequestException("The request body is too large", 413);
                sha.AppendData(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        request.Body.Position = 0;
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static async Task ForgetAsync(NpgsqlDataSource db, string scope, string key)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync("delete from idempotency_keys where scope = @scope and key = @key and completed_at is null", new { scope, key });
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string slug, string title)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Type = $"/problems/{slug}", Title = title },
            options: null, contentType: "application/problem+json");
    }
}
