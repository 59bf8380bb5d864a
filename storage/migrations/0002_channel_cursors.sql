-- How far each watched channel has been read: the newest message id whose event the desk has
-- recorded. On startup a platform reads each channel's history after its cursor, so messages
-- posted while the bot was down still become tickets (the dedupe keys absorb any overlap).
-- Ids are Discord snowflakes, which grow with time; a thread is a channel of its own.
CREATE TABLE channel_cursors (
    workspace       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    last_message_id INTEGER NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (workspace, channel)
) WITHOUT ROWID;
