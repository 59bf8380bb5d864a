-- Saved replies (see SQLite's migration 0008): text agents of a workspace share and post
-- with `/ticket reply <id> :name`. `uses` counts every reply that used it; each use is also
-- a `message` audit event whose data names the snippet, which the digest counts per period.
CREATE TABLE snippets (
    workspace   text NOT NULL,
    name        text COLLATE "C" NOT NULL,  -- listed in byte order, as SQLite lists them
    text        text NOT NULL,
    author_key  text NOT NULL,
    author_name text NOT NULL,
    created_at  timestamptz NOT NULL,
    uses        integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    PRIMARY KEY (workspace, name)
);
