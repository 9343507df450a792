using System.ComponentModel.DataAnnotations;

namespace Rewards.Notifications.Features.Dispatch;

public sealed class SmtpOptions
{
    [Required] public string Host { get; set; } = "127.0.0.1";
    [Range(1, 65535)] public int Port { get; set; } = 1025;
    public bool UseTls { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    [Required, EmailAddress] public string From { get; set; } = "rewards@rewards.local";
    [Required] public string FromName { get; set; } = "Rewards";
    /// <summary>N2: attempts before an address is recorded as failing.</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 8;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
