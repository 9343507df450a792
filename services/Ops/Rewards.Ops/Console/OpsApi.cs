using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Rewards.Ops.Console;

/// <summary>What a service answered: its status and JSON body, or why there was no answer.</summary>
public sealed record ApiResult(int Status, JsonElement? Body, string? Error)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>A problem's detail (or title), the transport error, or the status.</summary>
    public string Describe() => Error
        ?? (Body is { ValueKind: JsonValueKind.Object } b && (b.TryGetProperty("detail", out var d) || b.TryGetProperty("title", out d)) ? d.GetString() : null)
        ?? $"HTTP {Status}";
}

/// <summary>
/// Calls the services' HTTP APIs as the logged-in ops user (the token lives in the session cookie). A service that
/// does not answer is a result with an error, never an exception: one service down must not take the page with it.
/// </summary>
public sealed class OpsApi(IHttpClientFactory http, IOptions<ServiceDirectory> services, IHttpContextAccessor context)
{
    public const string HttpClientName = "services";
    public const string AccessTokenClaim = "access_token";

    public ServiceDirectory Services => services.Value;

    public Task<ApiResult> GetAsync(string service, string path, CancellationToken ct) => SendAsync(HttpMethod.Get, service, path, null, ct);

    public Task<ApiResult> PostAsync(string service, string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, service, path, body, ct);

    /// <summary>
    /// With <paramref name="idempotencyKey"/> (the console puts one in every form that changes something), a form sent
    /// twice (a double click, a reload) changes nothing twice: the service answers the repeat with the first answer.
    /// </summary>
    public async Task<ApiResult> SendAsync(HttpMethod method, string service, string path, object? body, CancellationToken ct,
        string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(services.Value.UrlOf(service), path));
        if (!string.IsNullOrWhiteSpace(idempotencyKey)) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (context.HttpContext?.User.FindFirst(AccessTokenClaim)?.Value is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonElement? json = null;
            if (text.Length > 0)
            {
                try { json = JsonDocument.Parse(text).RootElement.Clone(); }
                catch (JsonException) { }
            }
            return new ApiResult((int)response.StatusCode, json, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new ApiResult(0, null, $"{service} did not answer: {ex.Message}");
        }
    }
}
