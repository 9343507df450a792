using Rewards.Orders;
using Rewards.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("orders");
builder.AddOrders();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOrdersEndpoints();
app.Run();
