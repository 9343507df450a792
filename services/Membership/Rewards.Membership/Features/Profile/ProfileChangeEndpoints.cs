using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Domain;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Profile;

/// <summary>Fields left out (or null) stay as they are. <see cref="Email"/> exists only to be refused: the login ID never changes (M1).</summary>
public sealed record ChangeProfileRequest
{
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Phone { get; init; }
    public string? Country { get; init; }
    public string? PassportNumber { get; init; }
    public bool? MarketingOptIn { get; init; }
    public string? Password { get; init; }
}

/// <summary>M1: the member changes anything but the login ID, effective at once; M10: marketing opt-in and opt-out.</summary>
public static class ProfileChangeEndpoints
{
    public static void MapProfileChanges(this IEndpointRouteBuilder app) =>
        app.MapPatch("/members/me", ChangeAsync).WithExample("""
            {"phone": "+821098765432", "marketingOptIn": false}
            """).Refuses(400, "login-id-immutable").Refuses(409, "duplicate-identity").WithTags("Profile").RequireAuthorization()
            .WithSummary("Change name, phone, country, passport, marketing consent or password (M1, M10)");

    public static async Task<Results<Ok<MemberProfile>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        ChangeProfileRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, IPasswordHasher<object> hasher, CancellationToken ct)
    {
        if (request.Email is not null)
        {
            return Problems.Of(400, "login-id-immutable", "The login e-mail cannot be changed",
                "The e-mail address is the login ID and never changes (M1); leave it out of the request.");
        }
        var phone = request.Phone is null ? null : Identity.NormalizePhone(request.Phone);
        var errors = new FieldErrors()
            .Require(request.Name is null || request.Name.Trim().Length is >= 1 and <= 100, "name", "A name of 1 to 100 characters.")
            .Require(request.Phone is null || phone is not null, "phone", "The phone number must be in international (E.164) form, e.g. +821012345678.")
            .Require(request.Country is null || request.Country.Length == 2 && request.Country.All(char.IsAsciiLetter), "country", "An ISO 3166 two-letter country code.")
            .Require(request.PassportNumber is null || request.PassportNumber.Trim().Length is >= 5 and <= 20, "passportNumber", "The passport number must have 5 to 20 characters.")
            .Require(request.Password is null || request.Password.Length is >= 8 and <= 128, "password", "The password must have 8 to 128 characters.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var now = clock.GetUtcNow();
        var memberId = user.MemberId();
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var before = await conn.QuerySingleOrDefaultAsync<(string Name, string Country, string? Phone, bool MarketingOptIn)?>(new CommandDefinition(
            "select name, country, phone, marketing_opt_in from members where id = @memberId for update", new { memberId }, tx, cancellationToken: ct));
        if (before is not { } old) return Problems.NotFound("No such member");

        var changed = new List<string>();
        if (request.Name is not null && request.Name.Trim() != old.Name) changed.Add("name");
        if (phone is not null && phone != old.Phone) changed.Add("phone");
        if (request.Country is not null && !string.Equals(request.Country, old.Country, StringComparison.OrdinalIgnoreCase)) changed.Add("country");
        if (request.PassportNumber is not null) changed.Add("passportNumber");
        if (request.Password is not null) changed.Add("password");
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                update members set name = coalesce(@name, name), phone = coalesce(@phone, phone), country = coalesce(@country, country),
                    passport_hash = coalesce(@passportHash, passport_hash), marketing_opt_in = coalesce(@marketingOptIn, marketing_opt_in),
                    password_hash = coalesce(@passwordHash, password_hash)
                where id = @memberId
                """,
                new
                {
                    memberId, name = request.Name?.Trim(), phone, country = request.Country?.ToUpperInvariant(), request.MarketingOptIn,
                    passportHash = request.PassportNumber is null ? null : Identity.HashPassport(request.PassportNumber, policy.Value.IdentityHashKey),
                    passwordHash = request.Password is null ? null : hasher.HashPassword(new object(), request.Password),
                }, tx, cancellationToken: ct));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problems.Of(409, "duplicate-identity", "Another member has this identity",
                "The phone number or passport number belongs to another member (M2).");
        }

        if (changed.Count > 0)
        {
            await outbox.EnqueueAsync(tx, new MemberProfileChanged
            {
                MemberId = memberId, Name = request.Name?.Trim() ?? old.Name, Country = request.Country?.ToUpperInvariant() ?? old.Country,
                Phone = phone ?? old.Phone, Changed = changed, At = now,
            }, ct: ct);
        }
        if (request.MarketingOptIn is { } optIn && optIn != old.MarketingOptIn)
        {
            await outbox.EnqueueAsync(tx, new MarketingConsentChanged { MemberId = memberId, OptIn = optIn, At = now }, ct: ct);
        }
        var profile = (await ProfileEndpoints.FindAsync(conn, tx, memberId, ct))!;
        await work.CommitAsync(ct);
        return TypedResults.Ok(profile);
    }
}
