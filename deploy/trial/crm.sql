-- The local trial's legacy CRM: a `crm` database with the table deploy/syncer.toml syncs.
-- Run once by the PostgreSQL image when it creates the ledger's data directory.
CREATE DATABASE crm;
\connect crm
CREATE TABLE customers (
    id serial PRIMARY KEY,
    email varchar(254) NOT NULL UNIQUE,
    first_name varchar(100),
    last_name varchar(100),
    phone varchar(40),
    status char(1),
    updated_at timestamp NOT NULL DEFAULT now(),
    is_deleted boolean NOT NULL DEFAULT false
);
INSERT INTO customers (email, first_name, last_name, phone, status) VALUES
    ('ada@example.com', 'Ada', 'Lovelace', '+44 20 7946 0001', 'C'),
    ('grace@example.com', 'Grace', 'Hopper', '+1 202 555 0102', 'L'),
    ('alan@example.com', 'Alan', 'Turing', NULL, 'L');
