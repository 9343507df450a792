using System.Net;

namespace Rewards.Partners.Client;

/// <summary>
/// The partner API refused a request with a problem (RFC 9457). <see cref="Type"/> is the stable slug (e.g.
/// <c>insufficient-points</c>, <c>partner-signature-invalid</c>); <see cref="Errors"/> holds field errors of a 400.
/// </summary>
public sealed class PartnerApiException(HttpStatusCode status, string type, string title, string? detail,
    IReadOnlyDictionary<string, string[]>? errors) : Exception($"{(int)status} {type}: {title}{(detail is null ? "" : $" ({detail})")}")
{
    public HttpStatusCode Status { get; } = status;
    public string Type { get; } = type;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();
}
