using System.Buffers;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.ServiceDefaults.Data;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// Every POST/PUT/PATCH may carry an Idempotency-Key, scoped per caller (token subject, or anonymous) and kept for
/// <see cref="IdempotencyCleanupJob.Retention"/>. The key is claimed inside the request's own transaction
/// (<see cref="RequestTransaction"/>), and the response is recorded in that transaction when the endpoint commits its
/// change: the answer commits if and only if the change does. A repeat with the same method, path and body gets the
/// first response again (header Idempotent-Replayed: true) and changes nothing; the same key with another body is
/// refused with 409 /problems/idempotency-key-reuse. A repeat while the first request runs waits for it (up to
/// <see cref="WaitForFirst"/>, then 409 /problems/idempotency-key-in-progress with Retry-After) and gets its answer,
/// or runs anew if the first committed nothing: failed (5xx), refused without a change, or killed mid-way.
/// An endpoint marked <see cref="IdempotencyRecords.WithBatchedIdempotency"/> batches its writes with other
/// requests' instead; it gets the checked key as an <see cref="IdempotencyClaim"/> and records the answer itself.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next)
{
    public const string Header = "Idempotency-Key";

    /// <summary>How long a repeat waits for the first request with its key before it is told to try again.</summary>
    public static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(5);

    public async Task InvokeAsync(HttpContext context, TimeProvider clock)
    {
        var request = context.Request;
        var ct = context.RequestAborted;
        var inBody = context.GetEndpoint()?.Metadata.GetMetadata<IdempotencyKeyInBody>();
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method) && !HttpMethods.IsPatch(request.Method)
            || request.Path.StartsWithSegments("/_test")
            || await KeyOfAsync(request, inBody, ct) is not { } key)
        {
            await next(context);
            return;
        }
        if (key.Length is 0 or > 255)
        {
            await Problems.Of(400, "invalid-idempotency-key", "The Idempotency-Key must have 1 to 255 characters").ExecuteAsync(context);
            return;
        }

        var scope = context.User.FindFirst("sub")?.Value ?? "anonymous";
        var hash = await HashAsync(request, ct);
        var claim = inBody is null ? new IdempotencyClaim(scope, key, hash) : new IdempotencyClaim(scope, key, hash, Kept: true, inBody.ReuseType);
        if (context.GetEndpoint()?.Metadata.GetMetadata<BatchedIdempotency>() is not null)
        {
            context.Features.Set(claim);
            await next(context);
            return;
        }

        var work = context.RequestServices.GetRequiredService<RequestTransaction>();
        var tx = await work.BeginAsync(ct);
        if (await ClaimAsync(tx, claim, clock.GetUtcNow(), ct) is { } answered)
        {
            await work.DisposeAsync();
            await answered.ExecuteAsync(context);
            return;
        }
        work.Claim = claim;

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
            if (work.CommitRequested && context.Response.StatusCode < 500)
            {
                await tx.Connection!.ExecuteAsync(new CommandDefinition(
                    """
                    update idempotency_keys set status_code = @status, content_type = @contentType, body = @body, completed_at = @now
                    where scope = @Scope and key = @Key
                    """,
                    new
                    {
                        claim.Scope, claim.Key, status = context.Response.StatusCode, contentType = context.Response.ContentType,
                        body = buffer.ToArray(), now = clock.GetUtcNow(),
                    }, tx, cancellationToken: ct));
                await work.CommitNowAsync(ct);
            }
        }
        finally
        {
            context.Response.Body = original;
            await work.DisposeAsync(); // not committed: the change and the claim are rolled back together
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, ct);
    }

    /// <summary>
    /// Claims the key in <paramref name="tx"/>; null when claimed, otherwise the answer to give: the first response, a
    /// reuse refusal, or "in progress" when the first request still holds the key after <see cref="WaitForFirst"/>.
    /// </summary>
    private static async Task<IResult?> ClaimAsync(NpgsqlTransaction tx, IdempotencyClaim claim, DateTimeOffset now, CancellationToken ct)
    {
        // A concurrent request with the same key has its claim uncommitted: the insert waits for that transaction to end.
        object? claimed;
        try
        {
            claimed = await tx.Connection!.ExecuteScalarAsync(new CommandDefinition(
                $"""
                set local lock_timeout = {(int)WaitForFirst.TotalMilliseconds};
                insert into idempotency_keys (scope, key, request_hash, kept, created_at) values (@Scope, @Key, @RequestHash, @Kept, @now)
                on conflict do nothing returning 1;
                set local lock_timeout to default;
                """, new { claim.Scope, claim.Key, claim.RequestHash, claim.Kept, now }, tx, cancellationToken: ct));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return new IdempotentReplay(null, claim);
        }
        return claimed is not null ? null : new IdempotentReplay(await IdempotencyRecords.FindAsync(tx.Connection!, tx, claim, ct), claim);
    }

    /// <summary>The request's key: its Idempotency-Key header, or the body's property named by <paramref name="inBody"/>.</summary>
    private static async Task<string?> KeyOfAsync(HttpRequest request, IdempotencyKeyInBody? inBody, CancellationToken ct)
    {
        if (inBody is null) return request.Headers.TryGetValue(Header, out var values) ? values.ToString() : null;
        request.EnableBuffering();
        try
        {
            using var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            return body.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && body.RootElement.TryGetProperty(inBody.Property, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // the endpoint refuses the body
        }
        finally
        {
            request.Body.Position = 0;
        }
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
}
