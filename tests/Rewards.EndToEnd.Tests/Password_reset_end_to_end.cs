using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>M6 across Membership and Notifications: the reset token travels by e-mail and works once.</summary>
public sealed partial class Password_reset_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M6")]
    [Trait("Rule", "N1")]
    public async Task Should_mail_a_single_use_token_that_sets_a_new_password_and_answer_alike_for_unknown_addresses()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var email = $"reset-{Guid.NewGuid():N}@example.com";
        await system.RegisterAsync(email);
        using var client = system.Membership.CreateClient();

        var known = await client.PostAsJsonAsync("/auth/password-reset", new { email = email.ToUpperInvariant() }, Ct);
        var unknown = await client.PostAsJsonAsync("/auth/password-reset", new { email = $"nobody-{Guid.NewGuid():N}@example.com" }, Ct);
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (known.StatusCode, unknown.StatusCode));

        Assert.True(await Eventually.TrueAsync(async () => (await MailSink.ToAsync(email)).Any(m => m.Subject.Contains("password", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30)), "the reset e-mail arrives");
        var mail = (await MailSink.ToAsync(email)).Single(m => m.Subject.Contains("password", StringComparison.Ordinal));
        var token = ResetCode().Match(mail.Text).Groups[1].Value;

        var confirmed = await client.PostAsJsonAsync("/auth/password-reset/confirm", new { token, newPassword = "a-new-secret-phrase" }, Ct);
        var again = await client.PostAsJsonAsync("/auth/password-reset/confirm", new { token, newPassword = "yet-another-phrase" }, Ct);

        Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/token", new { email, password = "correct-horse-battery" }, Ct)).StatusCode);
        await system.LoginAsync(email, "a-new-secret-phrase");
        await using var conn = new NpgsqlConnection(system.Membership.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("select count(*) from outbox_messages where message_type like '%PasswordResetRequested'"));
    }

    [Fact]
    [Trait("Rule", "M1")]
    [Trait("Rule", "M10")]
    public async Task Should_carry_a_profile_change_and_a_marketing_opt_in_to_the_notification_directory()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var email = $"profile-{Guid.NewGuid():N}@example.com";
        var memberId = await system.RegisterAsync(email);
        using var member = system.Membership.ClientWithToken(await system.LoginAsync(email));

        (await member.PatchAsJsonAsync("/members/me", new { name = "Min-ji Kim-Lee", marketingOptIn = true }, Ct)).EnsureSuccessStatusCode();

        await using var conn = new NpgsqlConnection(system.Notifications.ConnectionString);
        Assert.True(await Eventually.TrueAsync(async () => await conn.QuerySingleOrDefaultAsync<(string, bool)?>(
            "select name, marketing_opt_in from member_directory where member_id = @memberId", new { memberId }) == ("Min-ji Kim-Lee", true),
            TimeSpan.FromSeconds(30)));
    }

    [GeneratedRegex(@"reset code is:\s+(\S+)")]
    private static partial Regex ResetCode();
}
