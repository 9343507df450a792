using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Rewards.Testing;

public sealed record ReceivedMail(string Id, string Subject, IReadOnlyList<string> To, string Text, string Html);

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
            .Select(m => new ReceivedMail(m.Id, m.Subject ?? "", [.. m.Envelope.To.Select(t => t.Address)], m.Text ?? "", m.Html ?? ""))];
    }

    /// <summary>The mail as it came over SMTP (maildev's JSON leaves most headers out).</summary>
    public static async Task<MimeKit.MimeMessage> SourceAsync(ReceivedMail mail)
    {
        var sink = await TestServers.MailAsync();
        using var http = new HttpClient { BaseAddress = sink.Api };
        await using var source = await http.GetStreamAsync($"api/email/{mail.Id}/source");
        return await MimeKit.MimeMessage.LoadAsync(source);
    }

    private sealed record MaildevMessage(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("subject")] string? Subject,
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("html")] string? Html,
        [property: JsonPropertyName("envelope")] Envelope Envelope);

    private sealed record Envelope([property: JsonPropertyName("to")] List<Recipient> To);

    private sealed record Recipient([property: JsonPropertyName("address")] string Address);
}
