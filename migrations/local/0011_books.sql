-- The clinic's books as this desk knows them: each invoice as the server confirmed it (with the
-- change-log seq that brought it), and each invoice as shown here (the confirmed record with
-- this desk's pending billing changes replayed on top, by the core's billing rules).
CREATE TABLE invoice_confirmed (
    id     TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    seq    INTEGER NOT NULL
) STRICT;
CREATE TABLE invoice (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    appointment_id TEXT,
    created_at     TEXT NOT NULL,
    record         TEXT NOT NULL
) STRICT;
CREATE INDEX invoice_patient ON invoice(patient_id, created_at);
CREATE INDEX invoice_number ON invoice(number);
ALTER TABLE outbox ADD COLUMN invoice_id TEXT;
CREATE INDEX outbox_invoice ON outbox(invoice_id);
-- Invoices are numbered offline from the desk's own series (INV-<desk code>-<serial>).
ALTER TABLE sync_state ADD COLUMN next_invoice_serial INTEGER NOT NULL DEFAULT 1;
-- What the clinic bills in, as the server said at sign-in.
ALTER TABLE sync_state ADD COLUMN clinic_currency TEXT;
-- The clinic as printed on invoices and receipts (JSON), as the server said at sign-in.
ALTER TABLE sync_state ADD COLUMN clinic_header TEXT;
