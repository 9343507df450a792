using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Terms;

/// <summary>The terms version a registration must accept, where to read it, and since when it applies.</summary>
public sealed record TermsView(string Version, DateOnly EffectiveFrom, string Url);

/// <summary>A published terms version as ops see it.</summary>
public sealed record PublishedTerms(string Version, DateOnly EffectiveFrom, string Url, string Summary, bool Unfavourable, DateTimeOffset? PublishedAt);

public sealed record PublishTermsRequest
{
    /// <summary>A new version name, e.g. 2027-03.</summary>
    public required string Version { get; init; }
    /// <summary>The day the terms take effect; at least 7 days away, 30 when <see cref="Unfavourable"/>.</summary>
    public required DateOnly EffectiveFrom { get; init; }
    /// <summary>Where members read the new terms.</summary>
    public required string Url { get; init; }
    /// <summary>What changes and why, quoted in the notice to every member.</summary>
    public required string Summary { get; init; }
    /// <summary>True when the change is unfavourable to members: the notice period is then 30 days.</summary>
    public bool Unfavourable { get; init; }
}

/// <summary>M1: storefronts learn the terms in force; N1: ops publish new terms ahead of time and every member is told once.</summary>
public static class TermsEndpoints
{
    public static void MapTerms(this IEndpointRouteBuilder app)
    {
        app.MapGet("/terms", GetAsync).WithExample(null, """
            {"version": "2026-01", "effectiveFrom": "2026-01-01", "url": "https://rewards.example/terms/2026-01"}
            """).WithTags("Registration").AllowAnonymous()
            .WithSummary("The terms version registration requires now (pass it as termsVersion), its effective date and where to read it");
        var ops = app.MapGroup("/ops/terms").WithTags("Ops: terms").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapGet("", ListAsync).WithSummary("Every terms version: the configured first one and those published since, newest first");
        ops.MapPost("", PublishAsync).WithExample("""
            {"version": "2027-03", "effectiveFrom": "2027-03-15", "url": "https://shop.example/terms/2027-03", "summary": "Gifts need six months of validity left.", "unfavourable": false}
            """).Refuses(409, "terms-version-exists").Refuses(422, "terms-notice-too-short")
            .WithSummary("Publish a new terms version; every member is e-mailed a notice now, at least 7 days (30 when unfavourable) before it takes effect");
    }

    public static async Task<Ok<TermsView>> GetAsync(NpgsqlDataSource db, TimeProvider clock, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await InForceAsync(conn, null, policy.Value, clock, ct));
    }

    /// <summary>The latest published version whose effective date has come, else the configured one.</summary>
    public static async Task<TermsView> InForceAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, ProgramPolicy policy, TimeProvider clock, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<TermsView>(new CommandDefinition(
            """
            select version, effective_from as EffectiveFrom, url from terms_versions
            where effective_from <= @today order by effective_from desc limit 1
            """, new { today = Today(clock) }, tx, cancellationToken: ct))
        ?? new TermsView(policy.CurrentTermsVersion, policy.CurrentTermsEffectiveFrom, policy.TermsUrl);

    public static async Task<Ok<IReadOnlyList<PublishedTerms>>> ListAsync(NpgsqlDataSource db, IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var published = (await conn.QueryAsync<PublishedTerms>(new CommandDefinition(
            """
            select version, effective_from as EffectiveFrom, url, summary, unfavourable, published_at as PublishedAt
            from terms_versions order by effective_from desc
            """, cancellationToken: ct))).ToList();
        var first = policy.Value;
        published.Add(new PublishedTerms(first.CurrentTermsVersion, first.CurrentTermsEffectiveFrom, first.TermsUrl, "The programme's first terms (configuration).", false, null));
        return TypedResults.Ok<IReadOnlyList<PublishedTerms>>(published);
    }

    public static async Task<Results<Created<PublishedTerms>, ValidationProblem, ProblemHttpResult>> PublishAsync(
        PublishTermsRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock,
        IOptions<ProgramPolicy> policy, CancellationToken ct)
    {
        var errors = new FieldErrors()
            .Require(request.Version.Trim().Length is >= 1 and <= 40, "version", "A version name of 1 to 40 characters, e.g. 2027-03.")
            .Require(Uri.TryCreate(request.Url, UriKind.Absolute, out var url) && url.Scheme is "https" or "http", "url", "An absolute http(s) address.")
            .Require(request.Summary.Trim().Length is >= 1 and <= 2000, "summary", "What changes, in 1 to 2000 characters.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var rules = policy.Value;
        var noticeDays = request.Unfavourable ? rules.UnfavourableTermsNoticeDays : rules.TermsNoticeDays;
        var earliest = Today(clock).AddDays(noticeDays);
        if (request.EffectiveFrom < earliest)
        {
            return Problems.Of(422, "terms-notice-too-short", "The notice period is too short",
                $"Members must be told at least {noticeDays} days ahead{(request.Unfavourable ? " of an unfavourable change" : "")}: the earliest effective date is {earliest:yyyy-MM-dd}.");
        }

        var now = clock.GetUtcNow();
        var terms = new PublishedTerms(request.Version.Trim(), request.EffectiveFrom, request.Url, request.Summary.Trim(), request.Unfavourable, now);
        var tx = await work.BeginAsync(ct);
        var inserted = await tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into terms_versions (version, effective_from, url, summary, unfavourable, published_at, published_by)
            select @Version, @EffectiveFrom, @Url, @Summary, @Unfavourable, @PublishedAt, @by
            where @Version <> @configured
            on conflict (version) do nothing
            """, new { terms.Version, terms.EffectiveFrom, terms.Url, terms.Summary, terms.Unfavourable, terms.PublishedAt, by = user.MemberId(), configured = rules.CurrentTermsVersion },
            tx, cancellationToken: ct));
        if (inserted == 0)
            return Problems.Of(409, "terms-version-exists", "This terms version exists", $"Version {terms.Version} was published before; name the new terms differently.");
        await outbox.EnqueueAsync(tx, new TermsChangeAnnounced
        {
            Version = terms.Version, EffectiveFrom = terms.EffectiveFrom, Url = terms.Url, Summary = terms.Summary, Unfavourable = terms.Unfavourable, At = now,
        }, ct: ct);
        await work.CommitAsync(ct);
        return TypedResults.Created($"/ops/terms/{Uri.EscapeDataString(terms.Version)}", terms);
    }

    private static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
