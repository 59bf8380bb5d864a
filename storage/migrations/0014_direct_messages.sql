-- A ticket opened by a direct message to the bot is private: its text is for agents only.
ALTER TABLE tickets ADD COLUMN private INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1));
-- A customer's next direct message joins their active private ticket in that conversation.
CREATE INDEX tickets_direct ON tickets (workspace, channel, id) WHERE private = 1;
