-- Which device an audited read or change came from (the session's device name; empty for
-- entries made before this, and for sessions that named no device).
ALTER TABLE audit_entry ADD COLUMN device TEXT NOT NULL DEFAULT '';
