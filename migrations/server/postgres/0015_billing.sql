-- The clinic's books: invoices as the billing judge left them (the record holds the lines,
-- payments and refunds; the columns are what lists, cash-ups and the dashboard filter and sum
-- by), and every payment and refund as its own row, once (its id is the desk's).
CREATE TABLE invoice (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    patient_id     TEXT NOT NULL,
    appointment_id TEXT,
    state          TEXT NOT NULL CHECK (state IN ('draft', 'issued', 'void')),
    currency       TEXT NOT NULL,
    total_minor    BIGINT NOT NULL,
    paid_minor     BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL,
    record         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX invoice_patient ON invoice(patient_id);
CREATE INDEX invoice_created ON invoice(created_at);
CREATE TABLE money_movement (
    id           TEXT PRIMARY KEY,
    invoice_id   TEXT NOT NULL REFERENCES invoice(id),
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    method       TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX money_movement_at ON money_movement(at);
CREATE INDEX money_movement_account ON money_movement(account_id, at);
-- Each issued invoice's lines as the dashboard sums them (rewritten whole when the invoice
-- changes): what was billed, by doctor and by service.
CREATE TABLE invoice_line (
    invoice_id   TEXT NOT NULL REFERENCES invoice(id),
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    doctor_id    TEXT,
    service_code TEXT,
    total_minor  BIGINT NOT NULL,
    issued_at    BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, position)
);
CREATE INDEX invoice_line_issued ON invoice_line(issued_at);
-- The invoices still owed, read from the index alone.
CREATE INDEX invoice_outstanding ON invoice(state, total_minor, paid_minor)
    WHERE state = 'issued' AND paid_minor < total_minor;
-- The dashboard's sums, kept per clinic day as the books change (so a year is 365 days of a
-- few rows, not half a million lines): billed by kind, doctor and service ('' for none), and
-- money moved by method and direction.
CREATE TABLE takings_day (
    local_day    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    doctor_id    TEXT NOT NULL,
    service_code TEXT NOT NULL,
    total_minor  BIGINT NOT NULL,
    PRIMARY KEY (local_day, kind, doctor_id, service_code)
);
CREATE TABLE money_day (
    local_day    TEXT NOT NULL,
    currency     TEXT NOT NULL,
    method       TEXT NOT NULL,
    direction    TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    movements    BIGINT NOT NULL,
    PRIMARY KEY (local_day, currency, method, direction)
);
