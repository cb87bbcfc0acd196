-- The clusterer table, version 4 (schema.md §1.1), as OpenSIPS's
-- scripts/postgres/clusterer-create.sql makes it, under the configured
-- names, and its version row. An existing table is left as it is (an
-- OpenSIPS-made one is already right; an older version is upgraded by
-- migrate() after the migrations), and an existing version row is kept.
CREATE TABLE IF NOT EXISTS {{table}} (
    {{id_col}} SERIAL PRIMARY KEY NOT NULL,
    {{cluster_id_col}} INTEGER NOT NULL,
    {{node_id_col}} INTEGER NOT NULL,
    {{url_col}} VARCHAR(64) NOT NULL,
    {{state_col}} INTEGER DEFAULT 1 NOT NULL,
    {{no_ping_retries_col}} INTEGER DEFAULT 3 NOT NULL,
    {{priority_col}} INTEGER DEFAULT 50 NOT NULL,
    {{sip_addr_col}} VARCHAR(64) DEFAULT NULL,
    {{flags_col}} VARCHAR(64) DEFAULT NULL,
    {{description_col}} VARCHAR(64) DEFAULT NULL,
    CONSTRAINT {{unique_index}} UNIQUE ({{cluster_id_col}}, {{node_id_col}})
);

-- OpenSIPS's script then runs ALTER SEQUENCE clusterer_id_seq MAXVALUE
-- 2147483647 CYCLE. Here the sequence is the one the id column owns,
-- whatever the names, and it is altered only when it differs: a table made
-- by OpenSIPS is not touched, so the migrating role need not own it. The
-- names reach the DO block as bound values (set_config), never as text.
SELECT set_config('libcluster.table', {{table_value}}, true),
       set_config('libcluster.id_col', {{id_col_value}}, true);

DO $lc$
DECLARE
    seq regclass := pg_get_serial_sequence(
        quote_ident(current_setting('libcluster.table')),
        current_setting('libcluster.id_col'))::regclass;
BEGIN
    IF seq IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM pg_sequence
            WHERE seqrelid = seq AND seqmax = 2147483647 AND seqcycle) THEN
        EXECUTE format('ALTER SEQUENCE %s MAXVALUE 2147483647 CYCLE', seq);
    END IF;
END
$lc$;

INSERT INTO version (table_name, table_version)
    SELECT {{table_value}}, 4
    WHERE NOT EXISTS (SELECT 1 FROM version WHERE table_name = {{table_value}});
