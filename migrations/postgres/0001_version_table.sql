-- OpenSIPS's version table (scripts/postgres/standard-create.sql; schema.md
-- §2): one row per versioned table. Shared by every table of the database,
-- so an existing one is left as it is.
CREATE TABLE IF NOT EXISTS version (
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_t_name_idx UNIQUE (table_name)
);
