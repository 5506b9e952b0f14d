-- The desk code the server granted to the device a session signed in from: a registration
-- pushed through the session must carry it in its patient number (NULL: no desk).
ALTER TABLE session ADD COLUMN desk_code BIGINT;
