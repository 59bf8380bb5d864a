-- Saved replies: text agents of a workspace share and post with `/ticket reply <id> :name`.
-- `uses` counts every reply that used it; each use is also a `message` audit event whose
-- data names the snippet, which the digest counts per period.
CREATE TABLE snippets (
    workspace   TEXT NOT NULL,
    name        TEXT NOT NULL,
    text        TEXT NOT NULL,
    author_key  TEXT NOT NULL,
    author_name TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    uses        INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    PRIMARY KEY (workspace, name)
) WITHOUT ROWID;
