-- Attempts to pay an invoice online (the id is the attempt's, `tran_id` the provider's name for
-- it), and every notice the provider sent — or someone sent in its name — with its verdict.
-- A validated payment's `val_id` is unique: it is recorded once.
CREATE TABLE online_payment (
    id           TEXT PRIMARY KEY,
    tran_id      TEXT NOT NULL UNIQUE,
    invoice_id   TEXT NOT NULL REFERENCES invoice(id),
    amount_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('started', 'paid', 'not_paid', 'held')),
    val_id       TEXT UNIQUE,
    -- The attempt as it started; `state_detail` is where it stands now.
    record       TEXT NOT NULL,
    state_detail TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX online_payment_invoice ON online_payment(invoice_id);
CREATE TABLE provider_notice (
    id          TEXT PRIMARY KEY,
    tran_id     TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX provider_notice_tran ON provider_notice(tran_id);
