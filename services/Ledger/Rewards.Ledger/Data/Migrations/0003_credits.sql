-- L12: a receipt can be credited once, ever.
create unique index lots_receipt_once on lots (reference) where source = 'missed-earning';
