using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.Ledger.Features.Credits;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

/// <summary>The member's card: the number for earning at partner stores, and a QR token (valid for minutes) for paying with points.</summary>
public sealed record MemberCard(string CardNumber, string Token, DateTimeOffset TokenExpiresAt);

/// <summary>Who a partner's member reference names, and whether it proves the member is present (a fresh token).</summary>
public sealed record MemberReference(Guid MemberId, bool Present);

/// <summary>
/// L16: partners identify members without personal data: by member id, by the 16-digit card number (printed or in the
/// app), or by the card's signed QR token. Earning accepts any of them; spending points needs the token, which only
/// the member's app can show and which expires within minutes, so a copied card number cannot spend anybody's points.
/// </summary>
public static class MemberCards
{
    public static void MapMemberCards(this IEndpointRouteBuilder app) =>
        app.MapGet("/accounts/me/card", CardAsync).WithTags("Accounts").RequireAuthorization()
            .WithSummary("The member's card number and a QR token for partner stores (L16)");

    public static async Task<Ok<MemberCard>> CardAsync(HttpContext context, NpgsqlDataSource db, PartnerKeys keys, TimeProvider clock, CancellationToken ct)
    {
        var memberId = context.User.MemberId();
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        string? card = null;
        for (var attempt = 0; card is null; attempt++)
        {
            card = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
                """
                with issued as (
                    insert into member_cards (member_id, card_number, issued_at) values (@memberId, @number, @now)
                    on conflict do nothing returning card_number)
                select card_number from issued union all select card_number from member_cards where member_id = @memberId
                limit 1
                """, new { memberId, number = NewCardNumber(), now }, cancellationToken: ct));
            if (attempt > 5) throw new InvalidOperationException("No free card number found");
        }
        var expiresAt = now.Add(keys.MemberTokenLifetime);
        return TypedResults.Ok(new MemberCard(card, keys.MemberToken(card, expiresAt), expiresAt));
    }

    /// <summary>Resolves <paramref name="reference"/>; null when it names no member the Ledger knows (or the token is expired or forged).</summary>
    public static async Task<MemberReference?> ResolveAsync(NpgsqlConnection conn, PartnerKeys keys, string reference, DateTimeOffset now, CancellationToken ct)
    {
        reference = reference.Trim();
        if (Guid.TryParse(reference, out var memberId))
        {
            return (await CreditLookups.KnownMembersAsync(conn, null, [memberId], ct)).Count > 0 ? new MemberReference(memberId, false) : null;
        }
        var present = reference.Contains('.');
        var card = present ? keys.CardOfToken(reference, now) : reference.Replace(" ", "").Replace("-", "");
        if (card is null || !IsCardNumber(card)) return null;
        var holder = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "select member_id from member_cards where card_number = @card", new { card }, cancellationToken: ct));
        return holder is { } id ? new MemberReference(id, present) : null;
    }

    /// <summary>16 digits: "9", 14 random digits and a Luhn check digit, so a mistyped number is caught before a look-up.</summary>
    private static string NewCardNumber()
    {
        var digits = new char[16];
        digits[0] = '9';
        for (var i = 1; i < 15; i++) digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        digits[15] = (char)('0' + LuhnCheckDigit(digits.AsSpan(0, 15)));
        return new string(digits);
    }

    public static bool IsCardNumber(string card) =>
        card.Length == 16 && card.All(char.IsAsciiDigit) && LuhnCheckDigit(card.AsSpan(0, 15)) == card[15] - '0';

    private static int LuhnCheckDigit(ReadOnlySpan<char> payload)
    {
        var sum = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var d = payload[payload.Length - 1 - i] - '0';
            if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }
}
