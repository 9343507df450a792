using Dapper;
using Microsoft.Extensions.Options;
using Rewards.Contracts.Membership;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Marketing;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Membership.Features.Profile;

/// <summary>
/// M10/N3: the unsubscribe link of a marketing mail works without logging in. GET shows a confirmation page (mail
/// scanners follow links, so a GET changes nothing); POST opts the member out at once — the page's button, or a mail
/// client's one-click unsubscribe (RFC 8058). Both answer HTML, for a person in a browser.
/// </summary>
public static class UnsubscribeEndpoints
{
    public static void MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup("/unsubscribe").WithTags("Profile").AllowAnonymous();
        page.MapGet("", Confirm).Produces(200, contentType: "text/html").Produces(400, contentType: "text/html")
            .WithSummary("The page an unsubscribe link opens: asks to confirm (M10)");
        page.MapPost("", UnsubscribeAsync).Produces(200, contentType: "text/html").Produces(400, contentType: "text/html")
            .WithSummary("Opt out of marketing e-mail with the token from the link; no login (M10, RFC 8058 one-click)");
    }

    public static IResult Confirm(string? token, IOptions<UnsubscribeLinks> links) =>
        !links.Value.TryRead(token, out _)
            ? Invalid()
            : Page(200, "Unsubscribe from promotional e-mail",
                $"""
                <p>You will no longer receive promotional e-mail from us. Messages about your orders, points and membership still come.</p>
                <form method="post" action="?token={Uri.EscapeDataString(token!)}"><button type="submit">Unsubscribe</button></form>
                """);

    public static async Task<IResult> UnsubscribeAsync(string? token, IOptions<UnsubscribeLinks> links, RequestTransaction work, Outbox outbox,
        TimeProvider clock, CancellationToken ct)
    {
        if (!links.Value.TryRead(token, out var memberId)) return Invalid();
        var now = clock.GetUtcNow();
        var tx = await work.BeginAsync(ct);
        var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
            "update members set marketing_opt_in = false where id = @memberId and marketing_opt_in and erased_at is null",
            new { memberId }, tx, cancellationToken: ct));
        if (changed > 0) await outbox.EnqueueAsync(tx, new MarketingConsentChanged { MemberId = memberId, OptIn = false, At = now }, ct: ct);
        await work.CommitAsync(ct);
        return Page(200, "You are unsubscribed", "<p>You will no longer receive promotional e-mail. You can opt in again in your profile at any time.</p>");
    }

    private static IResult Invalid() =>
        Page(400, "This link does not work", "<p>The unsubscribe link is incomplete or was changed. Please use the link from the e-mail as it is, or change your e-mail settings in your profile.</p>");

    private static IResult Page(int status, string title, string body) => Results.Content(
        $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head>
        <body style="font-family: sans-serif; max-width: 36em; margin: 3em auto"><h1>{title}</h1>{body}</body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
