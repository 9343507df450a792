using Rewards.Orders;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("orders");
builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options));
builder.AddOrders();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOrdersEndpoints();
app.RunService(args);
