-- L5: from now on every change to a lot's remaining is an allocation or an expire posting, so verify can rebuild
-- remaining from the ledger. Earlier versions did not record voids, pending forfeitures and points that paid a
-- negative balance on their way into a lot; their sum per lot is recorded once here, under its own kind.
insert into allocations (transaction_id, lot_id, kind, reference, points, created_at)
select uuid_v7(), l.id, 'unrecorded-before-0008', 'unrecorded-before-0008:' || l.id,
       l.amount - coalesce(a.points, 0) - coalesce(e.points, 0) - l.remaining, now()
from lots l
left join (select lot_id, sum(points) as points from allocations group by lot_id) a on a.lot_id = l.id
left join (select lot_id, -sum(amount) as points from postings
           where kind = 'expire' and seq is not null and lot_id is not null group by lot_id) e on e.lot_id = l.id
where l.remaining <> l.amount - coalesce(a.points, 0) - coalesce(e.points, 0);
