-- O1: the Ledger's exchange rates (ExchangeRateSet events); a non-USD order converts at the rate in force when placed.
create table exchange_rates (
    currency        char(3)        not null,
    effective_from  timestamptz    not null,
    usd_per_unit    numeric(20,10) not null,
    primary key (currency, effective_from)
);
alter table orders add column usd_per_unit numeric(20,10);
