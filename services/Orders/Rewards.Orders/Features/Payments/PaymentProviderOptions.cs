using System.ComponentModel.DataAnnotations;

namespace Rewards.Orders.Features.Payments;

/// <summary>The (simulated) payment provider's callback secret; development default in appsettings.Development.json.</summary>
public sealed class PaymentProviderOptions
{
    [Required, MinLength(16)] public string CallbackSecret { get; set; } = "";
}
