using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Rewards.Membership.Features.Auth;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Membership.Features.Withdrawal;

public sealed class LedgerOptions
{
    [Required, Url] public string BaseUrl { get; set; } = "http://127.0.0.1:5103";
    /// <summary>Time allowed for one attempt; the call as a whole is retried twice within three times this.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed record LedgerChannelBalance(string Channel, long Balance);

public sealed record LedgerAccounts(Guid MemberId, IReadOnlyList<LedgerChannelBalance> Accounts);

/// <summary>The Ledger could not answer (down, too slow, or the circuit is open after repeated failures).</summary>
public sealed class LedgerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a member's balances from the Ledger for M7, as the Membership service (a short-lived token with the ops
/// role). Timeouts, retries and the circuit breaker come from the standard resilience pipeline.
/// </summary>
public sealed class LedgerClient(HttpClient http, TokenIssuer issuer)
{
    private static readonly Guid ServiceSubject = Guid.Parse("00000000-0000-7000-8000-00000000b101");

    public async Task<LedgerAccounts> GetAccountsAsync(Guid memberId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/ops/members/{memberId}/accounts");
        var token = issuer.Issue(ServiceSubject, "membership@service.local", "Membership service", [AuthExtensions.OpsRole]);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
                throw new LedgerUnavailableException($"The Ledger answered {(int)response.StatusCode} for the member's accounts.");
            return await response.Content.ReadFromJsonAsync<LedgerAccounts>(ct)
                ?? throw new LedgerUnavailableException("The Ledger sent an empty answer.");
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException
                                       or System.Text.Json.JsonException
                                   || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new LedgerUnavailableException("The Ledger did not answer.", ex);
        }
    }

    public static void Register(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LedgerOptions>().Bind(builder.Configuration.GetSection("Ledger")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient<LedgerClient>((sp, http) => http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<LedgerOptions>>().Value.BaseUrl))
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            {
                var attempt = sp.GetRequiredService<IOptions<LedgerOptions>>().Value.AttemptTimeout;
                resilience.AttemptTimeout.Timeout = attempt;
                resilience.Retry.MaxRetryAttempts = 2;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
                resilience.TotalRequestTimeout.Timeout = attempt * 3 + TimeSpan.FromSeconds(1);
                resilience.CircuitBreaker.SamplingDuration = attempt * 2 > TimeSpan.FromSeconds(30) ? attempt * 2 : TimeSpan.FromSeconds(30);
                resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(15);
            });
    }
}
