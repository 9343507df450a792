using RabbitMQ.Client.Exceptions;
using Rewards.ServiceDefaults.Telemetry;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>
/// What MassTransit logs at Error because RabbitMQ went away is written as a warning; a consumer's own fault and any
/// error outside MassTransit stay errors.
/// </summary>
public sealed class Broker_outage_logs
{
    private sealed class Collected : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];
        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    private static LogEventLevel Logged(string source, Exception exception)
    {
        var collected = new Collected();
        using (var logger = new LoggerConfiguration().WriteTo.Sink(new BrokerOutagesAsWarnings(collected)).CreateLogger())
            logger.ForContext(Constants.SourceContextPropertyName, source).Error(exception, "S-FAULT {Address}", "rabbitmq://localhost/x");
        var logged = Assert.Single(collected.Events);
        Assert.Same(exception, logged.Exception);
        Assert.Equal("rabbitmq://localhost/x", ((ScalarValue)logged.Properties["Address"]).Value);
        return logged.Level;
    }

    [Fact]
    public void Should_write_broker_outages_from_MassTransit_as_warnings_and_everything_else_as_it_came()
    {
        var closed = new AlreadyClosedException(new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Library, 0, "End of stream"));
        Assert.Equal(LogEventLevel.Warning, Logged("MassTransit", closed));
        Assert.Equal(LogEventLevel.Warning, Logged("MassTransit.ReceiveTransport", new OperationCanceledException()));
        Assert.Equal(LogEventLevel.Error, Logged("MassTransit", new InvalidOperationException("a consumer's defect")));
        Assert.Equal(LogEventLevel.Error, Logged("Rewards.Ledger.Features.Credits", closed));
    }
}
