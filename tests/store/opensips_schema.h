// The clusterer schemas as OpenSIPS's own scripts create them
// (scripts/<backend>/standard-create.sql and clusterer-create.sql, schema.md
// §1, §2 and §7), to check that migrate() accepts them and produces them.
#pragma once

#include <string>

namespace lc::store::test {

inline std::string opensips_version_table(const std::string& backend) {
  const std::string name_type = backend == "sqlite" ? "CHAR(32)" : "VARCHAR(32)";
  return "CREATE TABLE version (\n"
         "    table_name " + name_type + " NOT NULL,\n"
         "    table_version INTEGER DEFAULT 0 NOT NULL,\n"
         "    CONSTRAINT version_t_name_idx UNIQUE (table_name)\n"
         ");\n";
}

// OpenSIPS 2.4 / 3.x: table version 4, the version row inserted first.
inline std::string opensips_v4(const std::string& backend) {
  if (backend == "sqlite")
    return opensips_version_table(backend) +
           "INSERT INTO version (table_name, table_version) values ('clusterer','4');\n"
           "CREATE TABLE clusterer (\n"
           "    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n"
           "    cluster_id INTEGER NOT NULL,\n"
           "    node_id INTEGER NOT NULL,\n"
           "    url CHAR(64) NOT NULL,\n"
           "    state INTEGER DEFAULT 1 NOT NULL,\n"
           "    no_ping_retries INTEGER DEFAULT 3 NOT NULL,\n"
           "    priority INTEGER DEFAULT 50 NOT NULL,\n"
           "    sip_addr CHAR(64),\n"
           "    flags CHAR(64),\n"
           "    description CHAR(64),\n"
           "    CONSTRAINT clusterer_clusterer_idx  UNIQUE (cluster_id, node_id)\n"
           ");\n";
  return opensips_version_table(backend) +
         "INSERT INTO version (table_name, table_version) values ('clusterer','4');\n"
         "CREATE TABLE clusterer (\n"
         "    id SERIAL PRIMARY KEY NOT NULL,\n"
         "    cluster_id INTEGER NOT NULL,\n"
         "    node_id INTEGER NOT NULL,\n"
         "    url VARCHAR(64) NOT NULL,\n"
         "    state INTEGER DEFAULT 1 NOT NULL,\n"
         "    no_ping_retries INTEGER DEFAULT 3 NOT NULL,\n"
         "    priority INTEGER DEFAULT 50 NOT NULL,\n"
         "    sip_addr VARCHAR(64) DEFAULT NULL,\n"
         "    flags VARCHAR(64) DEFAULT NULL,\n"
         "    description VARCHAR(64) DEFAULT NULL,\n"
         "    CONSTRAINT clusterer_clusterer_idx UNIQUE (cluster_id, node_id)\n"
         ");\n"
         "ALTER SEQUENCE clusterer_id_seq MAXVALUE 2147483647 CYCLE;\n";
}

// OpenSIPS 2.3: table version 2 (with_seq_numbers) or the development-only
// version 3 (without them); neither has flags.
inline std::string opensips_v2_or_v3(const std::string& backend, int version) {
  const bool sqlite = backend == "sqlite";
  const std::string str = sqlite ? "CHAR(64)" : "VARCHAR(64)";
  return opensips_version_table(backend) +
         "INSERT INTO version (table_name, table_version) values ('clusterer','" +
         std::to_string(version) + "');\n" +
         "CREATE TABLE clusterer (\n" +
         (sqlite ? "    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n"
                 : "    id SERIAL PRIMARY KEY NOT NULL,\n") +
         "    cluster_id INTEGER NOT NULL,\n"
         "    node_id INTEGER NOT NULL,\n"
         "    url " + str + " NOT NULL,\n"
         "    state INTEGER DEFAULT 1 NOT NULL,\n" +
         (version == 2 ? "    ls_seq_no INTEGER DEFAULT 0 NOT NULL,\n"
                         "    top_seq_no INTEGER DEFAULT 0 NOT NULL,\n"
                       : "") +
         "    no_ping_retries INTEGER DEFAULT 3 NOT NULL,\n"
         "    priority INTEGER DEFAULT 50 NOT NULL,\n"
         "    sip_addr " + str + ",\n"
         "    description " + str + ",\n"
         "    CONSTRAINT clusterer_clusterer_idx UNIQUE (cluster_id, node_id)\n"
         ");\n";
}

// OpenSIPS 2.2: table version 1, machine_id and failure counters.
inline std::string opensips_v1(const std::string& backend) {
  const bool sqlite = backend == "sqlite";
  const std::string str = sqlite ? "CHAR(64)" : "VARCHAR(64)";
  return opensips_version_table(backend) +
         "INSERT INTO version (table_name, table_version) values ('clusterer','1');\n"
         "CREATE TABLE clusterer (\n" +
         (sqlite ? "    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n"
                 : "    id SERIAL PRIMARY KEY NOT NULL,\n") +
         "    cluster_id INTEGER NOT NULL,\n"
         "    machine_id INTEGER NOT NULL,\n"
         "    url " + str + " NOT NULL,\n"
         "    state INTEGER DEFAULT 1 NOT NULL,\n"
         "    last_attempt BIGINT DEFAULT 0 NOT NULL,\n"
         "    failed_attempts INTEGER DEFAULT 3 NOT NULL,\n"
         "    no_tries INTEGER DEFAULT 0 NOT NULL,\n"
         "    duration INTEGER DEFAULT 30 NOT NULL,\n"
         "    description " + str + ",\n"
         "    CONSTRAINT clusterer_clusterer_idx UNIQUE (cluster_id, machine_id)\n"
         ");\n";
}

}  // namespace lc::store::test
