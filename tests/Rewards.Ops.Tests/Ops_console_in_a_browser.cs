using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rewards.Contracts.Ledger;
using Rewards.Contracts.Membership;
using Rewards.Partners.Client;
using Rewards.Testing;

namespace Rewards.Ops.Tests;

/// <summary>
/// The ops console as ops staff use it, in Debian's Chromium: log in with the ops account, see the system's state,
/// mend a parked message, run a job, check the ledger, log out. Each page's screenshot goes to .local/screenshots/.
/// </summary>
public sealed partial class Ops_console_in_a_browser(OpsConsoleSystem system) : IClassFixture<OpsConsoleSystem>
{
    private const string ParkedQueue = "notifications-points-expired-mail_error";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Should_refuse_a_member_who_is_not_ops_staff()
    {
        var email = $"member-{Guid.NewGuid():N}@example.com";
        await system.RegisterAsync(email, "Min-ji Kim", Ct);
        var page = await system.NewPageAsync();

        await OpsConsoleSystem.LogInAsync(page, email, "correct-horse-battery");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not an ops account");
        await OpsConsoleSystem.LogInAsync(page, email, "wrong password");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong e-mail or password");
        await page.GotoAsync("/jobs");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_log_in_show_every_service_ready_and_log_out()
    {
        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);

        await Assertions.Expect(page).ToHaveURLAsync(new Regex(":[0-9]+/$"));
        foreach (var service in new[] { "Membership", "Orders", "Ledger", "Notifications" })
        {
            var row = page.Locator($"#services tr[data-service='{service}']");
            await Eventually(page, () => row.Locator(".status").First.InnerTextAsync(), "Healthy");
            await Assertions.Expect(row).ToContainTextAsync("outbox");
        }
        await Assertions.Expect(page.Locator("#queues tr[data-queue='ledger-order-paid']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#services tr[data-service='Notifications'] td.consumers")).ToContainTextAsync(" / ");
        await OpsConsoleSystem.ScreenshotAsync(page, "overview");

        // Its 60-second token is renewed with the refresh token as the session goes on: new cookie, still logged in.
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "rewards-ops").Value;
        await page.GotoAsync("/jobs");
        await page.GotoAsync("/ledger");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ledger$"));
        Assert.NotEqual(cookie, (await page.Context.CookiesAsync()).Single(c => c.Name == "rewards-ops").Value);

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GotoAsync("/");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await OpsConsoleSystem.ScreenshotAsync(page, "login");
    }

    [Fact]
    [Trait("Rule", "N1")]
    public async Task Should_show_a_parked_message_and_replay_it_from_the_page_so_its_mail_goes_out_once()
    {
        // A points-expired mail for a member Notifications has not heard of: retried, then parked for a human.
        var memberId = Guid.NewGuid();
        var email = $"parked-{Guid.NewGuid():N}@example.com";
        var messageId = NewId.NextGuid();
        var bus = system.Notifications.Services.GetRequiredService<IBus>();
        await bus.Publish(new PointsExpired { MemberId = memberId, Channel = "online", Points = 700, LotIds = [Guid.NewGuid()], At = DateTimeOffset.UtcNow },
            c => c.MessageId = messageId, Ct);

        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);
        await Eventually(page, () => page.Locator("[data-testid='needs-human']").CountAsync(), 1, TimeSpan.FromSeconds(60));
        await Assertions.Expect(page.Locator("[data-testid='needs-human']")).ToContainTextAsync(ParkedQueue);
        await Assertions.Expect(page.Locator("#services tr[data-service='Notifications'] td.consumers")).Not.ToContainTextAsync(new Regex("/ 0$"));
        await OpsConsoleSystem.ScreenshotAsync(page, "overview-needs-human");

        await page.GotoAsync("/error-queues");
        await Assertions.Expect(page.Locator($"#error-queues tr[data-queue='{ParkedQueue}']")).ToBeVisibleAsync();
        await OpsConsoleSystem.ScreenshotAsync(page, "error-queues");
        await page.GetByRole(AriaRole.Link, new() { Name = ParkedQueue }).ClickAsync();
        var row = page.Locator($"tr[data-message-id='{messageId}']");
        await Assertions.Expect(row).ToContainTextAsync("is not in the directory yet");
        await Assertions.Expect(row).ToContainTextAsync(memberId.ToString());
        await OpsConsoleSystem.ScreenshotAsync(page, "error-queue-messages");

        // The cause is mended (the registration arrives); then one replay from the page mails once.
        await bus.Publish(new MemberRegistered
        {
            MemberId = memberId, Email = email, Name = "Parked Member", Country = "KR", MarketingOptIn = false, NewMemberBenefits = false,
            RegisteredAt = DateTimeOffset.UtcNow,
        }, Ct);
        Assert.True(await Rewards.Testing.Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject == "Welcome to Rewards"),
            TimeSpan.FromSeconds(30)));
        await row.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("sent back to its queue");
        await Assertions.Expect(page.Locator($"tr[data-message-id='{messageId}']")).ToHaveCountAsync(0);
        Assert.True(await Rewards.Testing.Eventually.TrueAsync(async () =>
            (await MailSink.ToAsync(email)).Count(m => m.Subject == "Some of your points have expired") == 1, TimeSpan.FromSeconds(30)));

        await page.GotoAsync("/error-queues");
        await Assertions.Expect(page.Locator("#actions")).ToContainTextAsync(messageId.ToString());
        await Assertions.Expect(page.Locator("#actions")).ToContainTextAsync("replayed");
        await Task.Delay(1000, Ct);
        Assert.Equal(1, (await MailSink.ToAsync(email)).Count(m => m.Subject == "Some of your points have expired"));
    }

    [Fact]
    public async Task Should_run_a_job_from_the_page_and_show_the_run_in_its_history()
    {
        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);
        await page.GotoAsync("/jobs");
        var job = page.Locator("#jobs tr[data-job='Ledger/activation']");
        await Assertions.Expect(job).ToBeVisibleAsync();
        await OpsConsoleSystem.ScreenshotAsync(page, "jobs");

        await job.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/jobs/Ledger/activation$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Ledger activation: done");
        var latest = page.Locator("#runs tbody tr").First;
        await Assertions.Expect(latest).ToContainTextAsync("ops:");
        await Assertions.Expect(latest).ToContainTextAsync("ok");
        await OpsConsoleSystem.ScreenshotAsync(page, "job-runs");
    }

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_show_the_ledger_verified_and_its_liability()
    {
        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);
        await page.GotoAsync("/ledger");
        await Assertions.Expect(page.Locator("#verify")).ToContainTextAsync("0 violations");
        await Assertions.Expect(page.Locator("#liability")).ToContainTextAsync("outstandingPoints");
        await Assertions.Expect(page.Locator("#outstanding-chart circle")).ToHaveCountAsync(12);
        await page.GetByLabel("Currency").FillAsync("KRW");
        await page.GetByLabel("USD per unit").FillAsync("0.00075");
        await page.GetByLabel("Effective from").FillAsync("2026-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record rate" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("KRW = USD 0.00075 from 2026-01-01");
        await Assertions.Expect(page.Locator("#rates")).ToContainTextAsync("KRW");
        await Assertions.Expect(page.Locator("#rates")).ToContainTextAsync("0.00075");
        await OpsConsoleSystem.ScreenshotAsync(page, "ledger");
    }

    [Fact]
    [Trait("Rule", "N1")]
    [Trait("Rule", "M10")]
    public async Task Should_publish_terms_and_send_a_campaign_from_the_communications_page()
    {
        var email = $"fan-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email, "Ha-rin Yoo", Ct, marketingOptIn: true);
        Assert.True(await Rewards.Testing.Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Count >= 1, TimeSpan.FromSeconds(30)),
            "Notifications knows the member (the welcome mail went out)");
        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);
        await page.GotoAsync("/communications");

        var version = $"v-{Guid.NewGuid():N}"[..10];
        var effective = DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var terms = page.Locator("#publish-terms");
        await terms.GetByLabel("Version").FillAsync(version);
        await terms.GetByLabel("Effective from").FillAsync(effective);
        await terms.GetByLabel("Where to read them").FillAsync("https://shop.example/terms/next");
        await terms.GetByLabel("Summary").FillAsync("Points expire after 60 months, as before; the help desk moves.");
        await terms.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Terms {version} published, in force from {effective}");
        await Assertions.Expect(page.Locator("#terms")).ToContainTextAsync(version);

        var subject = $"Fan meeting {Guid.NewGuid():N}"[..20];
        var campaign = page.Locator("#send-campaign");
        await campaign.GetByLabel("Subject").FillAsync(subject);
        await campaign.GetByLabel("Countries").FillAsync("KR");
        await campaign.GetByLabel("Text").FillAsync("Tickets for members first.\n\nFrom Monday.");
        await campaign.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Campaign \"{subject}\" written for");
        await Assertions.Expect(page.Locator("#campaigns")).ToContainTextAsync(subject);
        await OpsConsoleSystem.ScreenshotAsync(page, "communications");

        Assert.True(await Rewards.Testing.Eventually.TrueAsync(async () =>
        {
            var mails = await MailSink.ToAsync(email);
            return mails.Any(m => m.Subject == subject) && mails.Any(m => m.Subject == $"Our terms change on {effective}");
        }, TimeSpan.FromSeconds(30)), $"member {memberId} got the campaign and the terms notice");
    }

    [Fact]
    [Trait("Rule", "M1")]
    public async Task Should_find_a_member_by_e_mail_and_show_balance_orders_and_mails_as_the_services_have_them()
    {
        var email = $"found-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email, "Seo-yeon Park", Ct);
        using var ledger = system.Ledger.ClientWithToken(TestTokens.Ops());
        using var notifications = system.Notifications.ClientWithToken(TestTokens.Ops());
        long balance = 0;
        Assert.True(await Rewards.Testing.Eventually.TrueAsync(async () =>
        {
            var accounts = await ledger.GetFromJsonAsync<System.Text.Json.JsonElement>($"/ops/members/{memberId}/accounts", Ct);
            balance = accounts.GetProperty("accounts").EnumerateArray().Sum(a => a.GetProperty("balance").GetInt64());
            var mails = await notifications.GetFromJsonAsync<System.Text.Json.JsonElement>($"/ops/notifications?memberId={memberId}", Ct);
            return balance > 0 && mails.EnumerateArray().Any(m => m.GetProperty("status").GetString() == "sent");
        }, TimeSpan.FromSeconds(30)), "the welcome bonus was credited and the welcome mail sent");

        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);
        await page.GotoAsync("/members");
        await page.GetByLabel("E-mail or member id").FillAsync(email.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/members/{memberId}$"));
        await Assertions.Expect(page.Locator("#profile")).ToContainTextAsync(email);
        await Assertions.Expect(page.Locator("#accounts")).ToContainTextAsync(balance.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#mails")).ToContainTextAsync("welcome");
        await Assertions.Expect(page.Locator("#orders")).ToContainTextAsync("None.");
        await OpsConsoleSystem.ScreenshotAsync(page, "member");

        // Ops actions go to the owning service and are refused there in its own words.
        var credit = page.Locator("form").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Credit", Exact = true }) });
        await credit.GetByLabel("Points to credit").FillAsync("500");
        await credit.GetByRole(AriaRole.Button, new() { Name = "Credit", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Refused");
        await credit.GetByLabel("Points to credit").FillAsync("500");
        await credit.GetByLabel("Reason for the credit").FillAsync("goodwill after a late parcel");
        await credit.GetByRole(AriaRole.Button, new() { Name = "Credit", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Credited 500 points (correction) on online");
        var after = await ledger.GetFromJsonAsync<System.Text.Json.JsonElement>($"/ops/members/{memberId}/accounts", Ct);
        Assert.Equal(balance + 500, after.GetProperty("accounts").EnumerateArray().Sum(a => a.GetProperty("balance").GetInt64()));
        await Assertions.Expect(page.Locator("#accounts")).ToContainTextAsync((balance + 500).ToString(System.Globalization.CultureInfo.InvariantCulture));

        var standing = page.Locator("form").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Change standing" }) });
        await standing.GetByLabel("Standing action").SelectOptionAsync("mark-problem-customer");
        await standing.GetByLabel("Reason for the standing change").FillAsync("chargebacks on three orders");
        await standing.GetByRole(AriaRole.Button, new() { Name = "Change standing" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Done: mark-problem-customer");
        await Assertions.Expect(page.Locator("#profile")).ToContainTextAsync("suspended");
        await Assertions.Expect(page.Locator("#audit")).ToContainTextAsync("chargebacks on three orders");
        await OpsConsoleSystem.ScreenshotAsync(page, "member-after-actions");

        await page.GotoAsync("/members?q=nobody-" + Guid.NewGuid().ToString("N") + "@example.com");
        await Assertions.Expect(page.Locator("[data-testid='not-found']")).ToBeVisibleAsync();
    }

    /// <summary>Reloads the page until <paramref name="read"/> gives <paramref name="expected"/>: the pages show a moment's state.</summary>
    private static async Task Eventually<T>(IPage page, Func<Task<T>> read, T expected, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T last;
        while (!EqualityComparer<T>.Default.Equals(last = await read(), expected) && DateTime.UtcNow < until)
        {
            await Task.Delay(1000);
            await page.ReloadAsync();
        }
        Assert.Equal(expected, last);
    }

    [GeneratedRegex(@"Key (pk_[0-9a-f]+) issued\. Secret, shown only now: (psk_[A-Za-z0-9_-]+)")]
    private static partial Regex IssuedKey();

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_register_a_partner_issue_a_key_that_signs_purchases_and_suspend_the_partner()
    {
        var memberId = await system.RegisterAsync($"partner-fan-{Guid.NewGuid():N}@example.com", "Partner Fan", Ct);
        var name = $"Store {Guid.NewGuid():N}"[..14];
        var page = await system.NewPageAsync();
        await OpsConsoleSystem.LogInAsync(page);
        await page.GotoAsync("/partners");

        var create = page.Locator("#create-partner");
        await create.GetByLabel("Name").FillAsync(name);
        await create.GetByLabel("Earn rate").FillAsync("0.02");
        await create.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{name} registered");
        await Assertions.Expect(page.Locator("#partners")).ToContainTextAsync(name);

        var issue = page.Locator("#issue-key");
        await issue.GetByLabel("Partner").SelectOptionAsync(new SelectOptionValue { Label = name });
        await issue.GetByRole(AriaRole.Button).ClickAsync();
        var flash = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        var key = IssuedKey().Match(flash);
        Assert.True(key.Success, flash);
        await Assertions.Expect(page.Locator("#keys")).ToContainTextAsync(key.Groups[1].Value);
        await OpsConsoleSystem.ScreenshotAsync(page, "partners");

        using var http = system.Ledger.CreateClient();
        var till = new PartnerClient(http, new PartnerClientOptions(key.Groups[1].Value, key.Groups[2].Value) { MaxAttempts = 1 });
        PurchaseResult? purchase = null;
        Assert.True(await Rewards.Testing.Eventually.TrueAsync(async () =>
        {
            try { purchase = await till.PurchaseAsync(new PurchaseRequest($"T-{Guid.NewGuid():N}", memberId.ToString(), 50m, "USD", DateTimeOffset.UtcNow), Ct); }
            catch (PartnerApiException e) when (e.Type == "member-not-found") { } // the Ledger has not heard of the member yet
            return purchase is not null;
        }, TimeSpan.FromSeconds(30)));
        Assert.Equal(1000, purchase!.Points); // the partner's 2 %

        var status = page.Locator("#partner-status");
        await status.GetByLabel("Partner").SelectOptionAsync(new SelectOptionValue { Label = name });
        await status.GetByLabel("Status").SelectOptionAsync("suspended");
        await status.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("now suspended");
        var refused = await Assert.ThrowsAsync<PartnerApiException>(() =>
            till.PurchaseAsync(new PurchaseRequest($"T-{Guid.NewGuid():N}", memberId.ToString(), 50m, "USD", DateTimeOffset.UtcNow), Ct));
        Assert.Equal("partner-suspended", refused.Type);
    }
}
