using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.Membership.Domain;
using Rewards.Membership.Features.Terms;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Registration;

public sealed record RegisterMemberRequest
{
    /// <summary>The login ID, unique whatever its case; it can never change (M1).</summary>
    public required string Email { get; init; }
    /// <summary>8 to 128 characters.</summary>
    public required string Password { get; init; }
    /// <summary>As the member wants to be addressed in mails.</summary>
    public required string Name { get; init; }
    /// <summary>yyyy-MM-dd; members must be at least 14 (Policy:MinimumAge).</summary>
    public required DateOnly BirthDate { get; init; }
    /// <summary>ISO 3166 two-letter code of the country the member lives in.</summary>
    public required string Country { get; init; }
    /// <summary>Optional, international (E.164) form, e.g. +821012345678; one member per phone number (M2).</summary>
    public string? Phone { get; init; }
    /// <summary>Optional; needed for duty-free orders and the offline card. Kept only as a keyed hash (M2).</summary>
    public string? PassportNumber { get; init; }
    /// <summary>The version GET /terms names; any other is refused.</summary>
    public required string TermsVersion { get; init; }
    /// <summary>Must be true.</summary>
    public required bool AcceptTerms { get; init; }
    /// <summary>Consent to the use of personal information; must be true.</summary>
    public required bool ConsentPersonalInfo { get; init; }
    /// <summary>Promotional e-mail wanted (M10); can be changed at any time.</summary>
    public bool MarketingOptIn { get; init; }
    /// <summary>Set by storefronts that register the member through a social network's sign-in, e.g. "google" (O8).</summary>
    public string? SocialProvider { get; init; }
}

/// <param name="MemberId">The new member's id, also their membership number.</param>
/// <param name="Status">active.</param>
public sealed record RegisterMemberResponse(Guid MemberId, string Status);

public static class RegistrationEndpoints
{
    public static void MapRegistration(this IEndpointRouteBuilder app) =>
        app.MapPost("/members", RegisterAsync).WithExample("""
            {"email": "min-ji@example.com", "password": "correct-horse-battery", "name": "Min-ji Kim", "birthDate": "1995-04-12", "country": "KR", "phone": "+821012345678", "termsVersion": "2026-01", "acceptTerms": true, "consentPersonalInfo": true, "marketingOptIn": true}
            """, """
            {"memberId": "01935f2e-1111-7cc1-9d4e-3c0f8b6a2d11", "status": "active"}
            """).Refuses(403, "registration-refused").Refuses(409, "duplicate-identity").WithTags("Registration").AllowAnonymous()
            .WithSummary("Register a member (M1–M3)");

    public static async Task<Results<Created<RegisterMemberResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterMemberRequest request, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, IPasswordHasher<object> hasher, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rules = policy.Value;
        var phone = request.Phone is null ? null : Identity.NormalizePhone(request.Phone);
        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        var terms = await TermsEndpoints.InForceAsync(conn, tx, rules, clock, ct);
        var errors = new FieldErrors()
            .Require(Identity.IsValidEmail(request.Email), "email", "A valid e-mail address is required.")
            .Require(request.Password.Length is >= 8 and <= 128, "password", "The password must have 8 to 128 characters.")
            .Require(request.Name.Trim().Length is >= 1 and <= 100, "name", "A name of 1 to 100 characters is required.")
            .Require(request.BirthDate <= DateOnly.FromDateTime(now.UtcDateTime), "birthDate", "The birth date lies in the future.")
            .Require(Identity.AgeOn(request.BirthDate, DateOnly.FromDateTime(now.UtcDateTime)) >= rules.MinimumAge,
                "birthDate", $"Members must be at least {rules.MinimumAge} years old.")
            .Require(request.Country.Length == 2 && request.Country.All(char.IsAsciiLetter), "country", "An ISO 3166 two-letter country code is required.")
            .Require(request.Phone is null || phone is not null, "phone", "The phone number must be in international (E.164) form, e.g. +821012345678.")
            .Require(request.PassportNumber is null || request.PassportNumber.Trim().Length is >= 5 and <= 20, "passportNumber", "The passport number must have 5 to 20 characters.")
            .Require(request.TermsVersion == terms.Version, "termsVersion", $"The terms in force are version {terms.Version} (GET /terms).")
            .Require(request.AcceptTerms, "acceptTerms", "The terms must be accepted.")
            .Require(request.ConsentPersonalInfo, "consentPersonalInfo", "Consent to the use of personal information is required.")
            .Require(request.SocialProvider is null || request.SocialProvider.Length is >= 2 and <= 30 && request.SocialProvider.All(char.IsAsciiLetterOrDigit),
                "socialProvider", "The name of the social network, e.g. google.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var member = new
        {
            id = Guid.CreateVersion7(),
            email = request.Email.Trim(),
            emailNormalized = Identity.NormalizeEmail(request.Email),
            passwordHash = hasher.HashPassword(new object(), request.Password),
            name = request.Name.Trim(),
            birthDate = request.BirthDate,
            country = request.Country.ToUpperInvariant(),
            phone,
            passportHash = request.PassportNumber is null ? null : Identity.HashPassport(request.PassportNumber, rules.IdentityHashKey),
            termsVersion = request.TermsVersion,
            marketingOptIn = request.MarketingOptIn,
            socialProvider = request.SocialProvider?.ToLowerInvariant(),
            now,
        };

        // M2/M3: earlier members with this identity, live or erased (then only their hashes are left).
        var matches = (await conn.QueryAsync<(string Status, bool ProblemCustomer)>(new CommandDefinition(
            """
            select status, problem_customer from members
            where email_normalized = @emailNormalized or email_hash = @emailHash
               or (@phone::text is not null and (phone = @phone or phone_hash = @phoneHash))
               or (@passportHash::text is not null and passport_hash = @passportHash)
            """,
            new
            {
                member.emailNormalized, member.phone, member.passportHash,
                emailHash = Identity.Hash(member.emailNormalized, rules.IdentityHashKey),
                phoneHash = phone is null ? null : Identity.Hash(phone, rules.IdentityHashKey),
            }, tx, cancellationToken: ct))).ToList();
        if (matches.Any(m => MemberStatus.BarsRejoining(m.Status, m.ProblemCustomer)))
        {
            return Problems.Of(403, "registration-refused", "Registration is not possible",
                "This person cannot become a member again. Please contact the help desk.");
        }
        if (matches.Any(m => MemberStatus.HoldsIdentity(m.Status))) return DuplicateIdentity();
        var rejoining = matches.Count > 0; // M3: a former member rejoins without new-member benefits

        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                insert into members (id, email, email_normalized, password_hash, name, birth_date, country, phone, passport_hash,
                                     terms_version, terms_accepted_at, personal_info_consent_at, marketing_opt_in, status, registered_at,
                                     social_provider)
                values (@id, @email, @emailNormalized, @passwordHash, @name, @birthDate, @country, @phone, @passportHash,
                        @termsVersion, @now, @now, @marketingOptIn, 'active', @now, @socialProvider)
                """, member, tx, cancellationToken: ct));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return DuplicateIdentity();
        }

        await outbox.EnqueueAsync(tx, new MemberRegistered
        {
            MemberId = member.id,
            Email = member.email,
            Name = member.name,
            Country = member.country,
            MarketingOptIn = member.marketingOptIn,
            NewMemberBenefits = !rejoining,
            RegisteredAt = now,
        }, ct: ct);
        await work.CommitAsync(ct);
        return TypedResults.Created($"/members/{member.id}", new RegisterMemberResponse(member.id, "active"));
    }

    private static ProblemHttpResult DuplicateIdentity() =>
        Problems.Of(409, "duplicate-identity", "A member with this identity already exists",
            "The e-mail address, phone number or passport number belongs to an existing member.");
}
