using Rewards.Membership.Domain;

namespace Rewards.Membership.Tests;

public sealed class Identity_rules
{
    [Theory]
    [InlineData("2013-03-01", "2027-03-01", 14)]
    [InlineData("2013-03-02", "2027-03-01", 13)]
    [InlineData("2012-02-29", "2026-02-27", 13)]
    [InlineData("2012-02-29", "2026-02-28", 14)] // a leap-day birthday counts on 28 February in other years
    [Trait("Rule", "M1")]
    public void Should_count_whole_years_of_age(string birth, string today, int age) =>
        Assert.Equal(age, Identity.AgeOn(DateOnly.Parse(birth), DateOnly.Parse(today)));

    [Theory]
    [InlineData("+82 10-1234-5678", "+821012345678")]
    [InlineData("+1 (415) 555-0100", "+14155550100")]
    [InlineData("010-1234-5678", null)]
    [Trait("Rule", "M2")]
    public void Should_normalise_phone_numbers_to_E164(string input, string? expected) =>
        Assert.Equal(expected, Identity.NormalizePhone(input));

    [Fact]
    [Trait("Rule", "M2")]
    public void Should_hash_passports_with_a_key_and_ignore_case_and_spaces()
    {
        var a = Identity.HashPassport("m1234 5678", "key-one-0123456789");
        Assert.Equal(a, Identity.HashPassport("M12345678", "key-one-0123456789"));
        Assert.NotEqual(a, Identity.HashPassport("M12345678", "key-two-0123456789"));
        Assert.DoesNotContain("12345678", a, StringComparison.Ordinal);
    }
}
