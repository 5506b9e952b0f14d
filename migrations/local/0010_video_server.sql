-- The clinic's video server this desk trusts (pinned the first time a sync server named one,
-- unless the desk is configured with one), and the video server the user allowed this
-- computer's camera and microphone for.
ALTER TABLE sync_state ADD COLUMN video_server TEXT;
ALTER TABLE sync_state ADD COLUMN media_allowed_for TEXT;
-- The sync server's TLS certificate this desk trusts (DER, hex), pinned at the first https
-- contact when no authority this computer knows vouches for it.
ALTER TABLE sync_state ADD COLUMN server_certificate TEXT;
