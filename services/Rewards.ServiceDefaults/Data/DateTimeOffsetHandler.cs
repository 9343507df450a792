using System.Data;
using Dapper;

namespace Rewards.ServiceDefaults.Data;

/// <summary>
/// Npgsql reads timestamptz as a UTC <see cref="DateTime"/>; this lets Dapper materialise it into the
/// <see cref="DateTimeOffset"/> members the services use, and writes offsets as UTC, which timestamptz requires.
/// </summary>
internal sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    public override DateTimeOffset Parse(object value) => value switch
    {
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
        DateTimeOffset dto => dto,
        _ => throw new DataException($"Cannot read {value.GetType()} as DateTimeOffset"),
    };

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();
}
