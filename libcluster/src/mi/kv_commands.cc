// The cache_* MI commands, replies and errors as OpenSIPS 3.6 gives them
// (kv-capability.md §4). The handlers reach the cache through
// Context::kv(); a context without a cache answers like OpenSIPS with no
// such cache engine.
#include "kv_commands.h"

#include "libcluster/kv/kv.h"

namespace lc::mi {

namespace {

kv::Kv* cache_of(Context& ctx) { return ctx.kv(); }

// A string parameter that must not be empty (-32602 with `empty_text`).
Expected<std::string, MiError> non_empty(const Params& p, std::string_view name,
                                         std::string_view empty_text) {
  auto v = p.get_string(name);
  if (!v) return v;
  if (v->empty()) return unexpected(invalid_params(std::string(empty_text)));
  return v;
}

struct Target {
  std::string system;
  std::string attr;
};

// system then attr, each read and checked in turn.
Expected<Target, MiError> target(const Params& p) {
  auto system = non_empty(p, "system", "Empty memory cache id");
  if (!system) return unexpected(system.error());
  auto attr = non_empty(p, "attr", "Empty attribute name");
  if (!attr) return unexpected(attr.error());
  return Target{std::move(*system), std::move(*attr)};
}

struct Resolved {
  kv::Kv* cache = nullptr;
  std::string collection;
};

// The cache engine and group of `system`, after every parameter check:
// their failure is the command's own 500.
Expected<Resolved, MiError> resolve(Context& ctx, std::string_view system, std::string_view failed) {
  kv::Kv* cache = cache_of(ctx);
  auto collection = cache ? cache->resolve_system(system) : std::nullopt;
  if (!collection) return unexpected(app_error(500, std::string(failed)));
  return Resolved{cache, std::move(*collection)};
}

Result cache_store(Call& c) {
  constexpr std::string_view kFailed = "Cache store command failed";
  int32_t expire_s = 0;
  if (c.params.has("expire")) {  // the 4-parameter recipe reads it first
    auto e = c.params.get_int("expire");
    if (!e) return unexpected(e.error());
    if (*e < 0) return unexpected(invalid_params("Negative expire value"));
    expire_s = *e;
  }
  auto t = target(c.params);
  if (!t) return unexpected(t.error());
  auto value = non_empty(c.params, "value", "Empty value");
  if (!value) return unexpected(value.error());
  auto r = resolve(c.ctx, t->system, kFailed);
  if (!r) return unexpected(r.error());
  if (r->cache->put(r->collection, std::move(t->attr), std::move(*value), expire_s) !=
      kv::KvStatus::kOk)
    return unexpected(app_error(500, std::string(kFailed)));
  return ok();
}

Result cache_fetch(Call& c) {
  constexpr std::string_view kFailed = "Cache fetch command failed";
  auto t = target(c.params);
  if (!t) return unexpected(t.error());
  auto r = resolve(c.ctx, t->system, kFailed);
  if (!r) return unexpected(r.error());
  auto value = r->cache->get(r->collection, t->attr);
  if (!value && value.error() != kv::KvStatus::kNotFound)
    return unexpected(app_error(500, std::string(kFailed)));
  // OpenSIPS reports an empty stored value as not found too.
  if (!value || value->empty()) return unexpected(app_error(400, "Value not found"));
  Json out;
  out["key"] = t->attr;
  out["value"] = *value;
  return out;
}

Result cache_remove(Call& c) {
  constexpr std::string_view kFailed = "Cache remove command failed";
  auto t = target(c.params);
  if (!t) return unexpected(t.error());
  auto r = resolve(c.ctx, t->system, kFailed);
  if (!r) return unexpected(r.error());
  if (r->cache->remove(r->collection, t->attr) != kv::KvStatus::kOk)
    return unexpected(app_error(500, std::string(kFailed)));
  return ok();
}

// The chunk commands name a collection, not a group; none: the first one.
struct ChunkArgs {
  std::string glob;
  std::string collection;
  kv::Kv* cache = nullptr;
};

Expected<ChunkArgs, MiError> chunk_args(Call& c, const MiError& unknown) {
  auto glob = c.params.get_string("glob");
  if (!glob) return unexpected(glob.error());
  std::string collection;
  if (c.params.has("collection")) {
    auto given = c.params.get_string("collection");
    if (!given) return unexpected(given.error());
    collection = std::move(*given);
  }
  kv::Kv* cache = cache_of(c.ctx);
  if (!cache) return unexpected(unknown);
  if (!c.params.has("collection")) collection = cache->first_collection();
  return ChunkArgs{std::move(*glob), std::move(collection), cache};
}

Result cache_fetch_chunk(Call& c) {
  // OpenSIPS answers an unknown collection with a stale parameter error.
  const MiError unknown = server_error("Failed to handle parameter");
  auto a = chunk_args(c, unknown);
  if (!a) return unexpected(a.error());
  auto found = a->cache->fetch_chunk(a->collection, a->glob);
  if (!found) return unexpected(unknown);
  Json keys = Json::array();
  for (const kv::KeyValue& kv : *found) {
    Json item;
    item["name"] = kv.key;
    item["value"] = kv.value;
    keys.push_back(std::move(item));
  }
  Json out;
  out["keys"] = std::move(keys);
  return out;
}

Result cache_remove_chunk(Call& c) {
  const MiError unknown = app_error(500, "Internal error");  // lower-case e, as OpenSIPS
  auto a = chunk_args(c, unknown);
  if (!a) return unexpected(a.error());
  if (!a->cache->remove_chunk(a->collection, a->glob)) return unexpected(unknown);
  return ok();
}

Param string_param(std::string name, std::string help) {
  return Param{std::move(name), ParamType::kString, std::move(help)};
}

}  // namespace

void add_kv_commands(Registry& r) {
  const Param system = string_param("system", "cache: local or local:<group>");
  const Param attr = string_param("attr", "key");
  r.add(Command{
      .name = "cache_store",
      .help = "stores in a cache system a string value",
      .module = "core",
      .params = {system, attr, string_param("value", "value (not empty)"),
                 Param{"expire", ParamType::kInt, "seconds to live; 0 or absent: forever"}},
      .recipes = {{"system", "attr", "value"}, {"system", "attr", "value", "expire"}},
      .cli_name = "cache_store",
      .handler = cache_store,
  });
  r.add(Command{
      .name = "cache_fetch",
      .help = "queries for a cache stored value",
      .module = "core",
      .params = {system, attr},
      .recipes = {{"system", "attr"}},
      .cli_name = "cache_fetch",
      .handler = cache_fetch,
  });
  r.add(Command{
      .name = "cache_remove",
      .help = "removes a record from the cache system",
      .module = "core",
      .params = {system, attr},
      .recipes = {{"system", "attr"}},
      .cli_name = "cache_remove",
      .handler = cache_remove,
  });
  const Param glob = string_param("glob", "fnmatch pattern over whole keys, e.g. 'user:*'");
  const Param collection = string_param("collection", "collection name (default: the first)");
  r.add(Command{
      .name = "cache_fetch_chunk",
      .help = "fetches the keys matching a glob pattern, with their values",
      .module = "cachedb_local",
      .params = {glob, collection},
      .recipes = {{"glob"}, {"glob", "collection"}},
      .cli_name = "cache_fetch_chunk",
      .handler = cache_fetch_chunk,
  });
  r.add(Command{
      .name = "cache_remove_chunk",
      .help = "removes the keys matching a glob pattern (local only, not replicated)",
      .module = "cachedb_local",
      .params = {glob, collection},
      .recipes = {{"glob"}, {"glob", "collection"}},
      .cli_name = "cache_remove_chunk",
      .handler = cache_remove_chunk,
  });
}

}  // namespace lc::mi
