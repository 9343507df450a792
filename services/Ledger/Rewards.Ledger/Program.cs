using Rewards.Ledger;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("ledger");
builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options));
builder.AddLedger();

var app = builder.Build();
app.MapServiceDefaults();
app.MapLedgerEndpoints();
app.RunService(args);
