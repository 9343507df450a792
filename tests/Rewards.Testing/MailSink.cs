using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Rewards.Testing;

public sealed record ReceivedMail(string Subject, IReadOnlyList<string> To, string Text);

/// <summary>Reads what the SMTP sink (maildev) received, through its REST API.</summary>
public static class MailSink
{
    public static async Task<IReadOnlyList<ReceivedMail>> ToAsync(string address)
    {
        var mail = await TestServers.MailAsync();
        using var http = new HttpClient { BaseAddress = mail.Api };
        var all = await http.GetFromJsonAsync<List<MaildevMessage>>("api/email") ?? [];
        return [.. all
            .Where(m => m.Envelope.To.Any(t => string.Equals(t.Address, address, StringComparison.OrdinalIgnoreCase)))
            .Select(m => new ReceivedMail(m.Subject ?? "", [.. m.Envelope.To.Select(t => t.Address)], m.Text ?? ""))];
    }

    private sealed record MaildevMessage(
        [property: JsonPropertyName("subject")] string? Subject,
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("envelope")] Envelope Envelope);

    private sealed record Envelope([property: JsonPropertyName("to")] List<Recipient> To);

    private sealed record Recipient([property: JsonPropertyName("address")] string Address);
}
