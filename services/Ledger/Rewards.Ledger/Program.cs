using Rewards.Ledger;
using Rewards.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("ledger");
builder.AddLedger();

var app = builder.Build();
app.MapServiceDefaults();
app.MapLedgerEndpoints();
app.Run();
