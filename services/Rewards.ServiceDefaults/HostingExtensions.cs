using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Rewards.ServiceDefaults.Clock;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;
using Rewards.ServiceDefaults.Telemetry;
using Scalar.AspNetCore;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Formatting.Compact;

namespace Rewards.ServiceDefaults;

public static class HostingExtensions
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>The standard OpenTelemetry variable; when set, spans are recorded and exported there over OTLP.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Logging, metrics, health, ProblemDetails, strict JSON, JWT auth, OpenAPI and the clock.</summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        var services = builder.Services;
        var development = builder.Environment.IsDevelopment();
        services.AddSerilog((sp, log) =>
        {
            log.ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", serviceName)
                // It logs every failing check at Error with the exception; /health/ready answers with each check's detail,
                // and an outage must not fill the log with stack traces.
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", Serilog.Events.LogEventLevel.Fatal);
            log.WriteTo.Sink(new BrokerOutagesAsWarnings(LoggerSinkConfiguration.CreateSink(sinks =>
            {
                if (development) sinks.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Service} {SourceContext}: {Message:lj}{NewLine}{Exception}");
                else sinks.Console(new RenderedCompactJsonFormatter());
                foreach (var sink in sp.GetServices<ILogEventSink>()) sinks.Sink(sink); // sinks from the container (tests read the logs)
            })));
        }, preserveStaticLogger: true); // each host logs through its own logger, not the process-wide Log.Logger (tests run several hosts)

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("MassTransit", "Npgsql", "Rewards.*")
                    .AddPrometheusExporter();
                // Only this host's meters (and process-wide ones): where several hosts share a process (the tests),
                // each provider would otherwise take every host's instruments and reach its stream limit, after which
                // a late host's /metrics is empty. MassTransit's meter is process-wide although the first bus creates
                // it through its host's factory.
                ((IDeferredMeterProviderBuilder)m).Configure((sp, metrics) =>
                {
                    var own = sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                    metrics.AddView(i => i.Meter.Scope is { } scope && !ReferenceEquals(scope, own) && i.Meter.Name != "MassTransit"
                        ? MetricStreamConfiguration.Drop : null);
                });
            });
        // Spans are recorded only for a collector to export them to. Without one, recording cost the Ledger about 10 µs
        // of CPU per credit for nothing; the activities are still created, so every log line carries the trace id that
        // HTTP headers and MassTransit message headers carry from service to service (the correlation id).
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            telemetry.WithTracing(t => t
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource("MassTransit")
                .AddOtlpExporter());
        }
        else
        {
            TraceContext.PropagateWithoutRecording();
        }

        services.AddHealthChecks();
        services.AddSingleton<IHealthCheckPublisher, HealthMetrics>();
        services.Configure<HealthCheckPublisherOptions>(o => (o.Delay, o.Period) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15)));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.UseStableTypes);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<OutageExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.RespectNullableAnnotations = true;
            o.SerializerOptions.RespectRequiredConstructorParameters = true;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        });

        var clockControl = builder.Configuration.GetValue<bool>("Testing:ClockControl");
        if (clockControl && builder.Environment.IsProduction())
            throw new InvalidOperationException("Testing:ClockControl must not be enabled in Production");
        services.AddSingleton<TimeProvider>(clockControl ? new TestClock() : TimeProvider.System);

        builder.AddJwtAuth();
        services.AddRateLimiter(o => o.OnRejected = RateLimits.RejectAsync);
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        // Outside the exception handler, so a request is logged with the status its client got (400, 413, 503), not as
        // the exception that the handler turned into that answer.
        app.UseSerilogRequestLogging(o =>
        {
            o.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            o.GetLevel = (context, _, exception) => exception is not null || context.Response.StatusCode is >= 500 and not 503
                ? Serilog.Events.LogEventLevel.Error
                : context.Response.StatusCode == 503 ? Serilog.Events.LogEventLevel.Warning : Serilog.Events.LogEventLevel.Information;
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: limits are per caller
        app.Use(async (context, next) =>
        {
            using var _ = Serilog.Context.LogContext.PushProperty("MemberId", context.User.FindFirst("sub")?.Value);
            await next(context);
        });
        if (app.Services.GetService<Npgsql.NpgsqlDataSource>() is not null) app.UseMiddleware<IdempotencyMiddleware>();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapJobs();
        app.MapErrorQueues();
        if (app.Services.GetRequiredService<TimeProvider>() is TestClock testClock) app.MapTestClock(testClock);
        return app;
    }
}
