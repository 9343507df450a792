using System.Net.Sockets;
using Npgsql;

namespace Rewards.ServiceDefaults;

/// <summary>
/// Tells an outage (PostgreSQL or RabbitMQ away, or a transaction the database broke off to be retried), which clears by
/// itself and is waited out, from a defect, which does not.
/// </summary>
public static class Outages
{
    /// <summary>What is unavailable, when <paramref name="exception"/> is an outage rather than a defect.</summary>
    public static string? Describe(Exception? exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case PostgresException pg when pg.SqlState is "40001" or "40P01" or "55P03":
                    return "The database broke off a conflicting transaction";
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                               || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                                               || pg.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return "The database is not available";
                case PostgresException:
                    return null; // a statement the database refused: a defect, not an outage
                case NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                    return "The database cannot be reached";
                case MassTransit.RequestTimeoutException or MassTransit.RabbitMqConnectionException
                    or RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.AlreadyClosedException:
                    return "The message broker cannot be reached";
                // The channel or connection went away under the operation; a refusal of the operation itself (access,
                // not found, precondition) closes with its own code and is a defect.
                case RabbitMQ.Client.Exceptions.OperationInterruptedException { ShutdownReason.ReplyCode: not (403 or 404 or 405 or 406 or 530) }:
                    return "The message broker cannot be reached";
                case SocketException:
                    return "A server cannot be reached";
            }
        }
        return null;
    }
}
