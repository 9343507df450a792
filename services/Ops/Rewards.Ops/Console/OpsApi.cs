using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Rewards.Ops.Console;

/// <summary>What a service answered: its status and JSON body, or why there was no answer.</summary>
public sealed record ApiResult(int Status, JsonElement? Body, string? Error)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>A problem's detail (or title) with its field errors, the transport error, or the status.</summary>
    public string Describe()
    {
        if (Error is not null) return Error;
        if (Body is not { ValueKind: JsonValueKind.Object } problem) return $"HTTP {Status}";
        var text = (problem.TryGetProperty("detail", out var d) || problem.TryGetProperty("title", out d)) ? d.GetString() : null;
        var fields = problem.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object
            ? " " + string.Join("; ", e.EnumerateObject().Select(p => $"{p.Name}: {p.Value.Display()}"))
            : "";
        return $"{text ?? $"HTTP {Status}"}{fields}";
    }

    /// <summary>What to tell the person after an action: <paramref name="done"/>, or the service's refusal in its own words.</summary>
    public string Outcome(string done) => Ok ? done : $"Refused: {Describe()}";
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

    /// <summary>A service's Prometheus metrics: the sum of each named counter over all its series, or null when not served.</summary>
    public async Task<IReadOnlyDictionary<string, double>?> CountersAsync(string service, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        try
        {
            var text = await http.CreateClient(HttpClientName).GetStringAsync(new Uri(services.Value.UrlOf(service), "/metrics"), ct);
            var sums = names.ToDictionary(n => n, _ => 0d);
            foreach (var line in text.Split('\n'))
            {
                var name = line.Split('{', ' ')[0];
                if (!sums.ContainsKey(name)) continue;
                if (double.TryParse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var value)) sums[name] += value;
            }
            return sums;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

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
