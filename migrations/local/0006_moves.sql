-- A booking that moves an appointment (a reschedule) changes two appointments: the new one
-- (appointment_id) and the one it replaces. Both are rebuilt when the command is refused or
-- news about either arrives while it is pending.
ALTER TABLE outbox ADD COLUMN replaces_id TEXT;
CREATE INDEX outbox_replaces ON outbox(replaces_id);
