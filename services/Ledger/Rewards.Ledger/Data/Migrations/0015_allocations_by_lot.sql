-- A verify slice rebuilds its members' lots from their allocations: found by lot, not by scanning them all.
create index allocations_lot on allocations (lot_id);
