using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Rewards.Faults;

internal sealed class Member(Guid id, string token)
{
    public Guid Id => id;
    public string Token => token;
    private long _expectedPending;
    public long ExpectedPending => Interlocked.Read(ref _expectedPending);
    public void Earned(long points) => Interlocked.Add(ref _expectedPending, points);
}

/// <summary>A request the suite gave up on: the system refused it for good, or never answered it.</summary>
internal sealed class RefusedException(string message) : Exception(message);

/// <summary>
/// Calls the services as a storefront and the payment provider do, through whichever instance is next (as a load
/// balancer would), and retries what a well-behaved client retries — connection failures, timeouts, 5xx, 409
/// idempotency-key-in-progress — with the same Idempotency-Key, for up to <see cref="GiveUpAfter"/>.
/// </summary>
internal sealed class Storefront(RunningSystem system) : IDisposable
{
    /// <summary>A request still not answered after this long counts as refused for ever.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(120);
    private const string PaymentSecret = "DEVELOPMENT-ONLY-payment-callback-secret"; // Orders' development settings
    private const long WelcomeBonus = 1000; // the Ledger's default WelcomeBonusPoints

    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3), MaxConnectionsPerServer = 64 })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private int _next;

    public ConcurrentDictionary<string, int> Retries { get; } = new();
    public ConcurrentBag<string> ServerErrors { get; } = [];
    public static long ExpectedBalance => WelcomeBonus;

    public async Task<Member[]> RegisterMembersAsync(int count, string run)
    {
        var members = new Member[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var email = $"faults-{run}-{i}@example.com";
            var registered = await SendAsync("Membership", HttpStatusCode.Created, () => Post("/members", new
            {
                email, password = "correct-horse-battery", name = "Fault Runner", birthDate = "1990-01-01", country = "US",
                termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
            }, $"register-{run}-{i}"), $"register member {i}");
            var token = await LoginAsync(email, "correct-horse-battery");
            members[i] = new Member(registered.GetProperty("memberId").GetGuid(), token);
        });
        return members;
    }

    public async Task<string> LoginAsync(string email, string password)
    {
        var answer = await SendAsync("Membership", HttpStatusCode.OK, () => Post("/auth/token", new { email, password }), $"log in {email}");
        return answer.GetProperty("accessToken").GetString()!;
    }

    /// <summary>
    /// One paid order: placed with its key, then confirmed by the provider's signed callback with its own key. The
    /// member's expected pending points grow only once both were answered (L3: 1 % of the goods, in points of 0.001 USD).
    /// </summary>
    public async Task PurchaseAsync(Member member, int index, string run)
    {
        var unitPrice = 50m + index % 40 + index % 4 * 0.25m; // above 49.99: shipping is free, the 2.99 tracking fee is not
        var placed = await SendAsync("Orders", HttpStatusCode.Created, () => Post("/orders", new
        {
            lines = new[] { new { sku = $"DOLL-{index % 7}", name = "Collector doll", quantity = 1, unitPrice, weightGrams = 400 } },
            currency = "USD",
            shipping = new { country = "US", method = "standard", address = "1 Main St, Springfield" },
            paymentMethod = "card",
            policyAccepted = true,
        }, $"order-{run}-{index}", member.Token), $"place order {index}");
        var orderId = placed.GetProperty("orderId").GetGuid();
        var paymentId = placed.GetProperty("paymentId").GetGuid();
        var amount = placed.GetProperty("totals").GetProperty("amountDue").GetDecimal();

        var body = JsonSerializer.Serialize(new { orderId, amount, status = "succeeded" });
        var signature = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(PaymentSecret), Encoding.UTF8.GetBytes(body)));
        await SendAsync("Orders", HttpStatusCode.OK, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/{paymentId}/confirmation")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Payment-Signature", signature);
            request.Headers.Add("Idempotency-Key", $"payment-{run}-{index}");
            return request;
        }, $"confirm payment of order {index}");
        member.Earned((long)Math.Floor(unitPrice * 10m));
    }

    public async Task<JsonElement> GetAsync(string service, string path, string token) =>
        await SendAsync(service, HttpStatusCode.OK, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }, $"GET {path}");

    private static HttpRequestMessage Post(string path, object body, string? idempotencyKey = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private async Task<JsonElement> SendAsync(string service, HttpStatusCode expected, Func<HttpRequestMessage> build, string what)
    {
        var instances = system.Instances(service);
        var started = DateTime.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            var instance = instances[(int)((uint)Interlocked.Increment(ref _next) % instances.Count)];
            using var request = build();
            request.RequestUri = new Uri(new Uri(instance.Url), request.RequestUri!);
            string reason;
            try
            {
                using var response = await _http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == expected) return JsonDocument.Parse(text).RootElement.Clone();
                var type = ProblemType(text);
                if ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    ServerErrors.Add($"{what} via {instance.Name}: {(int)response.StatusCode} {Shorten(text)}");
                if ((int)response.StatusCode < 500 && type != "/problems/idempotency-key-in-progress")
                    throw new RefusedException($"{what}: {(int)response.StatusCode} {Shorten(text)}");
                reason = $"{(int)response.StatusCode} {type}".Trim();
            }
            catch (HttpRequestException) { reason = "connection failed"; }
            catch (TaskCanceledException) { reason = "timed out"; }
            Retries.AddOrUpdate(reason, 1, (_, n) => n + 1);
            if (DateTime.UtcNow - started > GiveUpAfter)
                throw new RefusedException($"{what}: not answered within {GiveUpAfter.TotalSeconds:0} s (last: {reason})");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 50 * (1 << Math.Min(attempt, 6))) + Random.Shared.Next(100)));
        }
    }

    private static string ProblemType(string body)
    {
        try { return JsonDocument.Parse(body).RootElement.TryGetProperty("type", out var type) ? type.GetString() ?? "" : ""; }
        catch (JsonException) { return ""; }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => _http.Dispose();
}
