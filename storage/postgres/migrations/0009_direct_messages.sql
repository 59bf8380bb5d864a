-- A ticket opened by a direct message to the bot is private: its text is for agents only.
ALTER TABLE tickets ADD COLUMN private boolean NOT NULL DEFAULT false;
-- A customer's next direct message joins their active private ticket in that conversation.
CREATE INDEX tickets_direct ON tickets (workspace, channel, id) WHERE private;
