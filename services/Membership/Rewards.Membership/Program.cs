using Rewards.Membership;
using Rewards.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("membership");
builder.AddMembership();

var app = builder.Build();
app.MapServiceDefaults();
app.MapMembershipEndpoints();
app.Run();
