create table effects (message_id uuid not null, reference text not null, points bigint not null);
