using Rewards.Ops;
using Rewards.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("ops");
builder.AddOpsConsole();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOpsConsole();
app.Run();
