using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Ledger.Domain;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

public sealed record PartnerRequest
{
    /// <summary>The store's name, unique; members see it in their mails.</summary>
    public required string Name { get; init; }
    /// <summary>The member account its purchases earn into and redemptions spend from.</summary>
    [AllowedValues("online", "offline")] public required string Channel { get; init; }
    /// <summary>L3: the partner's own earn rate, a share of the paid USD amount (0.01 = 1%).</summary>
    public required decimal EarnRate { get; init; }
    /// <summary>L16: whether members may pay with points there.</summary>
    public required bool RedemptionAllowed { get; init; }
    /// <summary>Signed requests per second the partner may send (per Ledger instance); default 50.</summary>
    public int? RequestsPerSecond { get; init; }
}

public sealed record PartnerChange
{
    public string? Name { get; init; }
    public decimal? EarnRate { get; init; }
    public bool? RedemptionAllowed { get; init; }
    /// <summary>A suspended partner's requests are refused (401 partner-suspended).</summary>
    [AllowedValues("active", "suspended")] public string? Status { get; init; }
    public int? RequestsPerSecond { get; init; }
}

public sealed record PartnerView(Guid PartnerId, string Name, string Channel, decimal EarnRate, bool RedemptionAllowed, string Status,
    int RequestsPerSecond, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record KeyRequest
{
    /// <summary>Hours the partner's current keys keep working next to the new one (rotation); 0 ends them now. Default 24.</summary>
    public int? OverlapHours { get; init; }
}

/// <summary>The new key; <see cref="Secret"/> is shown this once and cannot be read again.</summary>
public sealed record NewPartnerKey(string KeyId, string Secret, DateTimeOffset CreatedAt, DateTimeOffset? PreviousKeysExpireAt);

public sealed record PartnerKeyView(string KeyId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>
/// L16: ops manage partner stores and their API keys. A new key is shown once; rotating keeps the older keys working for
/// an overlap so the partner can switch without downtime; revoking ends a key at once.
/// </summary>
public static class PartnerAdminEndpoints
{
    private const int DefaultRequestsPerSecond = 50;
    private const string Columns = """
        id as PartnerId, name, channel, earn_rate as EarnRate, redemption_allowed as RedemptionAllowed, status,
        requests_per_second as RequestsPerSecond, created_at as CreatedAt, updated_at as UpdatedAt
        """;

    public static void MapPartnerAdmin(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/ops/partners").WithTags("Ops: partners").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapPost("", CreateAsync).WithExample("""
            {"name": "Lotte Duty Free Myeongdong", "channel": "offline", "earnRate": 0.02, "redemptionAllowed": true}
            """).Refuses(409, "partner-name-taken").WithSummary("Register a partner store (L16)");
        ops.MapGet("", ListAsync).WithSummary("List partner stores");
        ops.MapGet("/{partnerId:guid}", GetAsync).Refuses(404, "partner-not-found").WithSummary("One partner store");
        ops.MapPatch("/{partnerId:guid}", ChangeAsync).WithExample("""
            {"status": "suspended"}
            """).Refuses(404, "partner-not-found").Refuses(409, "partner-name-taken")
            .WithSummary("Change a partner's rate, redemption, status or request limit");
        ops.MapPost("/{partnerId:guid}/keys", CreateKeyAsync).WithExample("""
            {"overlapHours": 24}
            """, """
            {"keyId": "pk_4f1c2a9d8e7b6a5f4e3d2c1b", "secret": "psk_Xb3…", "createdAt": "2027-03-01T09:00:00Z", "previousKeysExpireAt": "2027-03-02T09:00:00Z"}
            """).Refuses(404, "partner-not-found").WithSummary("Issue an API key (the secret is shown once); older keys expire after the overlap");
        ops.MapGet("/{partnerId:guid}/keys", ListKeysAsync).Refuses(404, "partner-not-found").WithSummary("A partner's API keys (never their secrets)");
        ops.MapPost("/{partnerId:guid}/keys/{keyId}/revocation", RevokeKeyAsync).Refuses(404, "partner-key-not-found")
            .WithSummary("Revoke an API key now");
    }

    public static async Task<Results<Created<PartnerView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        PartnerRequest request, HttpContext context, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = Validate(request.Name, request.EarnRate, request.RequestsPerSecond)
            .Require(Channel.IsValid(request.Channel), "channel", "One of: online, offline.");
        if (errors.Count > 0) return Problems.Validation(errors);
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        try
        {
            var partner = await conn.QuerySingleAsync<PartnerView>(new CommandDefinition(
                $"""
                insert into partners (id, name, channel, earn_rate, redemption_allowed, status, requests_per_second, created_at, created_by, updated_at)
                values (@id, @name, @Channel, @EarnRate, @RedemptionAllowed, 'active', @rps, @now, @by, @now)
                returning {Columns}
                """, new
                {
                    id = Guid.CreateVersion7(), name = request.Name.Trim(), request.Channel, request.EarnRate, request.RedemptionAllowed,
                    rps = request.RequestsPerSecond ?? DefaultRequestsPerSecond, now, by = $"ops:{context.User.FindFirstValue("sub")}",
                }, cancellationToken: ct));
            return TypedResults.Created($"/ops/partners/{partner.PartnerId}", partner);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return NameTaken(request.Name);
        }
    }

    public static async Task<Ok<IReadOnlyList<PartnerView>>> ListAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok<IReadOnlyList<PartnerView>>([.. await conn.QueryAsync<PartnerView>(new CommandDefinition(
            $"select {Columns} from partners order by name", cancellationToken: ct))]);
    }

    public static async Task<Results<Ok<PartnerView>, ProblemHttpResult>> GetAsync(Guid partnerId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await FindAsync(conn, partnerId, ct) is { } partner ? TypedResults.Ok(partner) : NotFound(partnerId);
    }

    public static async Task<Results<Ok<PartnerView>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        Guid partnerId, PartnerChange change, NpgsqlDataSource db, PartnerKeyDirectory directory, TimeProvider clock, CancellationToken ct)
    {
        var errors = Validate(change.Name, change.EarnRate, change.RequestsPerSecond, required: false)
            .Require(change.Status is null or "active" or "suspended", "status", "One of: active, suspended.");
        if (errors.Count > 0) return Problems.Validation(errors);
        await using var conn = await db.OpenConnectionAsync(ct);
        try
        {
            var partner = await conn.QuerySingleOrDefaultAsync<PartnerView>(new CommandDefinition(
                $"""
                update partners set name = coalesce(@name, name), earn_rate = coalesce(@EarnRate, earn_rate),
                    redemption_allowed = coalesce(@RedemptionAllowed, redemption_allowed), status = coalesce(@Status, status),
                    requests_per_second = coalesce(@RequestsPerSecond, requests_per_second), updated_at = @now
                where id = @partnerId
                returning {Columns}
                """, new { partnerId, name = change.Name?.Trim(), change.EarnRate, change.RedemptionAllowed, change.Status, change.RequestsPerSecond, now = clock.GetUtcNow() },
                cancellationToken: ct));
            directory.Forget();
            return partner is null ? NotFound(partnerId) : TypedResults.Ok(partner);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return NameTaken(change.Name!);
        }
    }

    public static async Task<Results<Created<NewPartnerKey>, ValidationProblem, ProblemHttpResult>> CreateKeyAsync(
        Guid partnerId, KeyRequest request, HttpContext context, NpgsqlDataSource db, PartnerKeys keys, PartnerKeyDirectory directory,
        TimeProvider clock, CancellationToken ct)
    {
        var overlap = request.OverlapHours ?? 24;
        if (overlap is < 0 or > 24 * 30) return Problems.Validation(new FieldErrors().Require(false, "overlapHours", "Between 0 and 720 hours."));
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from partners where id = @partnerId for update)", new { partnerId }, tx, cancellationToken: ct));
        if (!exists) return NotFound(partnerId);

        var previousExpireAt = now.AddHours(overlap);
        var replaced = await conn.ExecuteAsync(new CommandDefinition(
            """
            update partner_keys set expires_at = @previousExpireAt
            where partner_id = @partnerId and revoked_at is null and (expires_at is null or expires_at > @previousExpireAt)
            """, new { partnerId, previousExpireAt }, tx, cancellationToken: ct));
        var keyId = PartnerKeys.NewKeyId();
        var secret = PartnerKeys.NewSecret();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            insert into partner_keys (key_id, partner_id, secret_encrypted, created_at, created_by)
            values (@keyId, @partnerId, @sealed, @now, @by)
            """, new { keyId, partnerId, @sealed = keys.Encrypt(keyId, secret), now, by = $"ops:{context.User.FindFirstValue("sub")}" },
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        directory.Forget();
        return TypedResults.Created($"/ops/partners/{partnerId}/keys", new NewPartnerKey(keyId, secret, now, replaced > 0 ? previousExpireAt : null));
    }

    public static async Task<Results<Ok<IReadOnlyList<PartnerKeyView>>, ProblemHttpResult>> ListKeysAsync(
        Guid partnerId, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await FindAsync(conn, partnerId, ct) is null) return NotFound(partnerId);
        return TypedResults.Ok<IReadOnlyList<PartnerKeyView>>([.. await conn.QueryAsync<PartnerKeyView>(new CommandDefinition(
            """
            select key_id as KeyId,
                   case when revoked_at is not null then 'revoked' when expires_at <= @now then 'expired' else 'active' end as Status,
                   created_at as CreatedAt, expires_at as ExpiresAt, revoked_at as RevokedAt
            from partner_keys where partner_id = @partnerId order by created_at desc
            """, new { partnerId, now = clock.GetUtcNow() }, cancellationToken: ct))]);
    }

    public static async Task<Results<Ok<PartnerKeyView>, ProblemHttpResult>> RevokeKeyAsync(
        Guid partnerId, string keyId, HttpContext context, NpgsqlDataSource db, PartnerKeyDirectory directory, TimeProvider clock,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var key = await conn.QuerySingleOrDefaultAsync<PartnerKeyView>(new CommandDefinition(
            """
            update partner_keys set revoked_at = coalesce(revoked_at, @now), revoked_by = coalesce(revoked_by, @by)
            where partner_id = @partnerId and key_id = @keyId
            returning key_id as KeyId, 'revoked' as Status, created_at as CreatedAt, expires_at as ExpiresAt, revoked_at as RevokedAt
            """, new { partnerId, keyId, now = clock.GetUtcNow(), by = $"ops:{context.User.FindFirstValue("sub")}" }, cancellationToken: ct));
        directory.Forget();
        return key is null
            ? Problems.Of(404, "partner-key-not-found", "No such key", $"Partner {partnerId} has no key '{keyId}'.")
            : TypedResults.Ok(key);
    }

    private static FieldErrors Validate(string? name, decimal? earnRate, int? requestsPerSecond, bool required = true) =>
        new FieldErrors()
            .Require(name is null ? !required : name.Trim().Length is >= 2 and <= 100, "name", "2 to 100 characters.")
            .Require(earnRate is null ? !required : earnRate is >= 0 and <= 0.5m, "earnRate", "A share of the paid amount between 0 and 0.5 (0.01 = 1%).")
            .Require(requestsPerSecond is null or (>= 1 and <= 100_000), "requestsPerSecond", "Between 1 and 100,000.");

    private static Task<PartnerView?> FindAsync(NpgsqlConnection conn, Guid partnerId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<PartnerView>(new CommandDefinition($"select {Columns} from partners where id = @partnerId", new { partnerId }, cancellationToken: ct));

    private static ProblemHttpResult NotFound(Guid partnerId) => Problems.Of(404, "partner-not-found", "No such partner", $"There is no partner {partnerId}.");

    private static ProblemHttpResult NameTaken(string name) =>
        Problems.Of(409, "partner-name-taken", "A partner has this name", $"'{name.Trim()}' is taken; partner names are unique.");
}
