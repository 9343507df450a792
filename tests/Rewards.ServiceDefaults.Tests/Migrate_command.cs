using Dapper;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using Rewards.ServiceDefaults.Data;
using Rewards.Testing;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>A deployment's migration job runs a service with the argument <c>migrate</c>.</summary>
public sealed class Migrate_command
{
    [Fact]
    public async Task Should_apply_the_migrations_and_return_without_starting_the_service()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("migrate");
        var builder = WebApplication.CreateBuilder(["migrate"]);
        builder.Configuration["ConnectionStrings:Test"] = connectionString;
        builder.Configuration["Urls"] = "http://127.0.0.1:1"; // never listened on: the service does not start
        builder.AddDatabase("Test", typeof(Migrate_command).Assembly);
        await using var app = builder.Build();

        var run = Task.Run(() => app.RunService(["migrate"]), TestContext.Current.CancellationToken);

        await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await using var conn = new NpgsqlConnection(connectionString);
        var applied = (await conn.QueryAsync<string>("select scriptname from schemaversions")).ToList();
        Assert.Contains(applied, s => s.EndsWith("0006_job_runs.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.Contains("Tests.Sql.", StringComparison.Ordinal)); // the service's own migrations
    }
}
