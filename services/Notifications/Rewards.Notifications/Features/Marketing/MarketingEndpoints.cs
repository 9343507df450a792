using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Rewards.Notifications.Features.Dispatch;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Marketing;

namespace Rewards.Notifications.Features.Marketing;

public sealed record MarketingMailRequest
{
    public required string Subject { get; init; }
    /// <summary>The message, plain text; blank lines separate paragraphs.</summary>
    public required string Text { get; init; }
    /// <summary>Only members living in these countries (ISO 3166 two-letter codes); all when left out.</summary>
    public IReadOnlyList<string> Countries { get; init; } = [];
    /// <summary>Only members of these grades (standard, silver, gold, …); all when left out.</summary>
    public IReadOnlyList<string> Tiers { get; init; } = [];
}

public sealed record MarketingCampaign(Guid CampaignId, string Subject, IReadOnlyList<string> Countries, IReadOnlyList<string> Tiers,
    int Recipients, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>
/// M10/N3: ops send a promotional e-mail to a segment. Only members who opted in get it, each with an unsubscribe link
/// that works without logging in; a member who opts out before it is sent does not get it (the dispatcher checks).
/// </summary>
public static class MarketingEndpoints
{
    public const string Type = "marketing";

    public static void MapMarketing(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/ops/marketing-mails").WithTags("Ops: marketing").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapPost("", SendAsync).WithExample("""
            {"subject": "Spring sale", "text": "Ten percent off albums.\n\nUntil Sunday.", "countries": ["KR"], "tiers": ["gold"]}
            """).WithSummary("Send a promotional e-mail to the opted-in members of a segment (M10, N3); answers how many it was written for");
        ops.MapGet("", ListAsync).WithSummary("Campaigns sent, newest first");
    }

    public static async Task<Results<Accepted<MarketingCampaign>, ValidationProblem>> SendAsync(MarketingMailRequest request, ClaimsPrincipal user,
        RequestTransaction work, Mailbox mailbox, IOptions<UnsubscribeLinks> links, TimeProvider clock, CancellationToken ct)
    {
        var countries = request.Countries.Select(c => c.Trim().ToUpperInvariant()).Distinct().ToArray();
        var tiers = request.Tiers.Select(t => t.Trim().ToLowerInvariant()).Distinct().ToArray();
        var errors = new FieldErrors()
            .Require(request.Subject.Trim().Length is >= 1 and <= 200, "subject", "A subject of 1 to 200 characters.")
            .Require(request.Text.Trim().Length is >= 1 and <= 20_000, "text", "A message of 1 to 20,000 characters.")
            .Require(countries.All(c => c.Length == 2 && c.All(char.IsAsciiLetter)), "countries", "ISO 3166 two-letter country codes.")
            .Require(tiers.All(t => t.Length is >= 1 and <= 40), "tiers", "Grade names, e.g. gold.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var campaignId = Guid.CreateVersion7();
        var subject = request.Subject.Trim();
        var text = request.Text.Trim().Replace("\r\n", "\n", StringComparison.Ordinal);
        var paragraphs = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tx = await work.BeginAsync(ct);
        var recipients = await mailbox.EnqueueForEachAsync(tx,
            """
            marketing_opt_in and (cardinality(@countries) = 0 or country = any(@countries)) and (cardinality(@tiers) = 0 or tier = any(@tiers))
            """, new { countries, tiers },
            member => new Mail(Mailbox.PerMember($"campaign:{campaignId}", member.MemberId), Type, member.MemberId, member.Email,
                new { member.Name, Subject = subject, Text = text, Paragraphs = paragraphs, UnsubscribeUrl = links.Value.LinkFor(member.MemberId) })
            {
                CampaignId = campaignId,
            }, ct);
        var campaign = new MarketingCampaign(campaignId, subject, countries, tiers, recipients, clock.GetUtcNow(), user.Email() ?? user.MemberId().ToString());
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into marketing_campaigns (id, subject, text, countries, tiers, recipients, created_at, created_by)
            values (@CampaignId, @Subject, @text, @countries, @tiers, @Recipients, @CreatedAt, @CreatedBy)
            """, new { campaign.CampaignId, campaign.Subject, text, countries, tiers, campaign.Recipients, campaign.CreatedAt, campaign.CreatedBy },
            tx, cancellationToken: ct));
        await work.CommitAsync(ct);
        mailbox.Wake();
        return TypedResults.Accepted($"/ops/marketing-mails/{campaignId}", campaign);
    }

    public static async Task<Ok<IReadOnlyList<MarketingCampaign>>> ListAsync(Npgsql.NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var campaigns = await conn.QueryAsync<(Guid Id, string Subject, string[] Countries, string[] Tiers, int Recipients, DateTimeOffset CreatedAt, string CreatedBy)>(
            new CommandDefinition("select id, subject, countries, tiers, recipients, created_at, created_by from marketing_campaigns order by created_at desc limit 100",
                cancellationToken: ct));
        return TypedResults.Ok<IReadOnlyList<MarketingCampaign>>([.. campaigns.Select(c => new MarketingCampaign(c.Id, c.Subject, c.Countries, c.Tiers, c.Recipients, c.CreatedAt, c.CreatedBy))]);
    }
}
