using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// The checked-in OpenAPI documents (clients/openapi/*.json), from which the build generates the C# clients, are the
/// ones the services serve. After changing an endpoint, refresh them:
/// <c>REWARDS_UPDATE_OPENAPI=1 bash deploy/local/test.sh --filter OpenApi_documents</c>, and commit the files.
/// </summary>
public sealed class OpenApi_documents(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    /// <summary>Each service's v1 document, and the Ledger's partner API document (partner-v1).</summary>
    public static TheoryData<string> Services => ["Membership", "Orders", "Ledger", "Notifications", "Ledger/partner-v1"];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Should_match_the_document_the_clients_are_generated_from(string service)
    {
        var document = service.Contains('/') ? service.Split('/')[1] : "v1";
        service = service.Split('/')[0];
        using var client = service switch
        {
            "Membership" => system.Membership.CreateClient(),
            "Orders" => system.Orders.CreateClient(),
            "Ledger" => system.Ledger.CreateClient(),
            _ => system.Notifications.CreateClient(),
        };
        var served = JsonNode.Parse(await client.GetStringAsync($"/openapi/{document}.json", TestContext.Current.CancellationToken))!.AsObject();
        served.Remove("servers"); // the address the document was fetched from
        var text = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        var file = Path.Combine(RepositoryRoot(), "clients", "openapi", document == "v1" ? $"{service.ToLowerInvariant()}.json" : $"{document}.json");
        if (Environment.GetEnvironmentVariable("REWARDS_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);
        }
        Assert.True(File.Exists(file) && await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken) == text,
            $"{file} is not the document {service} serves; refresh it with REWARDS_UPDATE_OPENAPI=1 bash deploy/local/test.sh --filter OpenApi_documents");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rewards.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Rewards.sln not found above " + AppContext.BaseDirectory);
    }
}
