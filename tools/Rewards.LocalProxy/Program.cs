using Rewards.LocalProxy;

// One port per service in front of that service's instances, for running several instances on one machine
// (deploy/local/run.sh with INSTANCES=N). Usage: Rewards.LocalProxy --route 5101=5201,5211 --route 5102=5202,5212 …
var app = LocalProxy.Build(LocalRoute.Parse(args));
await app.RunAsync();
