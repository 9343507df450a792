using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace Rewards.Partners.Client;

/// <summary>Where and as whom the client calls.</summary>
public sealed record PartnerClientOptions(string KeyId, string Secret)
{
    /// <summary>Attempts per call in all (1 = no retry).</summary>
    public int MaxAttempts { get; init; } = 4;
    /// <summary>The clock timestamps are taken from.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The partner API (/partner/v1) for .NET integrators. Every attempt is signed anew (a new nonce and timestamp). A
/// call that fails on the network, times out, or is answered 429, 502, 503 or 504 is retried with back-off, carrying
/// the same transaction id, so the Ledger posts it at most once and a retry gets the first answer. A refusal becomes
/// a <see cref="PartnerApiException"/> with the problem's type.
/// </summary>
public sealed class PartnerClient(HttpClient http, PartnerClientOptions options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ResiliencePipeline<HttpResponseMessage> _retry = options.MaxAttempts <= 1 ? ResiliencePipeline<HttpResponseMessage>.Empty
        : new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = options.MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<TaskCanceledException>(e => e.InnerException is TimeoutException)
                .HandleResult(r => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                    or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout || InProgress(r)),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.Headers.RetryAfter?.Delta),
        }).Build();

    public Task<PurchaseResult> PurchaseAsync(PurchaseRequest request, CancellationToken ct = default) =>
        SendAsync<PurchaseResult>(HttpMethod.Post, "partner/v1/purchases", request, ct);

    public Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct = default) =>
        SendAsync<RefundResult>(HttpMethod.Post, "partner/v1/refunds", request, ct);

    public Task<RedemptionResult> RedeemAsync(RedemptionRequest request, CancellationToken ct = default) =>
        SendAsync<RedemptionResult>(HttpMethod.Post, "partner/v1/redemptions", request, ct);

    public Task<RedemptionCancellationResult> CancelRedemptionAsync(RedemptionCancellationRequest request, CancellationToken ct = default) =>
        SendAsync<RedemptionCancellationResult>(HttpMethod.Post, "partner/v1/redemption-cancellations", request, ct);

    /// <summary>By member id, card number or QR token.</summary>
    public Task<MemberView> LookUpMemberAsync(string member, CancellationToken ct = default) =>
        SendAsync<MemberView>(HttpMethod.Get, $"partner/v1/members/{Uri.EscapeDataString(member)}", null, ct);

    public Task<StatementPage> StatementAsync(DateOnly from, DateOnly to, string? cursor = null, int? limit = null, CancellationToken ct = default) =>
        SendAsync<StatementPage>(HttpMethod.Get,
            $"partner/v1/statement?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}"
            + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")
            + (limit is null ? "" : $"&limit={limit.Value.ToString(CultureInfo.InvariantCulture)}"), null, ct);

    /// <summary>Every line of a statement, page after page.</summary>
    public async IAsyncEnumerable<StatementLine> StatementLinesAsync(DateOnly from, DateOnly to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        string? cursor = null;
        do
        {
            var page = await StatementAsync(from, to, cursor, 500, ct);
            foreach (var line in page.Items) yield return line;
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json);
        using var response = await _retry.ExecuteAsync(async token =>
        {
            using var request = new HttpRequestMessage(method, new Uri(http.BaseAddress!, path));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(bytes);
                request.Content.Headers.ContentType = new("application/json");
            }
            PartnerSigner.Sign(request, options.KeyId, options.Secret, options.Clock.GetUtcNow(), bytes);
            return await http.SendAsync(request, token);
        }, ct);
        if (response.IsSuccessStatusCode) return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
        throw await ProblemAsync(response, ct);
    }

    private static bool InProgress(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Conflict && response.Headers.RetryAfter is not null;

    private static async Task<PartnerApiException> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, ct);
            if (problem?.Type is { } type)
            {
                return new PartnerApiException(response.StatusCode, type.StartsWith("/problems/", StringComparison.Ordinal) ? type["/problems/".Length..] : type,
                    problem.Title ?? "", problem.Detail, problem.Errors);
            }
        }
        catch (JsonException)
        {
        }
        return new PartnerApiException(response.StatusCode, "unexpected-response", $"HTTP {(int)response.StatusCode}", null, null);
    }

    private sealed record Problem(string? Type, string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
