-- The clusterer table, version 4 (schema.md §1.2), as OpenSIPS's
-- scripts/sqlite/clusterer-create.sql makes it, under the configured names,
-- and its version row. An existing table is left as it is (an OpenSIPS-made
-- one is already right; an older version is upgraded by migrate() after the
-- migrations), and an existing version row is kept.
CREATE TABLE IF NOT EXISTS {{table}} (
    {{id_col}} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    {{cluster_id_col}} INTEGER NOT NULL,
    {{node_id_col}} INTEGER NOT NULL,
    {{url_col}} CHAR(64) NOT NULL,
    {{state_col}} INTEGER DEFAULT 1 NOT NULL,
    {{no_ping_retries_col}} INTEGER DEFAULT 3 NOT NULL,
    {{priority_col}} INTEGER DEFAULT 50 NOT NULL,
    {{sip_addr_col}} CHAR(64),
    {{flags_col}} CHAR(64),
    {{description_col}} CHAR(64),
    CONSTRAINT {{unique_index}} UNIQUE ({{cluster_id_col}}, {{node_id_col}})
);

INSERT INTO version (table_name, table_version)
    SELECT {{table_value}}, 4
    WHERE NOT EXISTS (SELECT 1 FROM version WHERE table_name = {{table_value}});
