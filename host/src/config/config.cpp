#include "config/config.hpp"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

namespace turnout::config {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", file.string(), what));
}

template <typename T>
T get(const toml::table& t, std::string_view key, T fallback, const std::filesystem::path& file,
      std::string_view section) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (auto v = n->value<T>()) return *v;
  fail(file, fmt::format("[{}] {} has the wrong type", section, key));
}

void refuse_unknown(const toml::table& t, std::initializer_list<std::string_view> known,
                    const std::filesystem::path& file, std::string_view section) {
  for (const auto& [k, v] : t) {
    bool ok = false;
    for (auto name : known) ok = ok || k.str() == name;
    if (!ok) fail(file, fmt::format("unknown key [{}] {}", section, k.str()));
  }
}

}  // namespace

Config load(const std::filesystem::path& path) {
  Config c;
  c.source = path;
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    fail(path, fmt::format("line {}: {}", e.source().begin.line, e.description()));
  }
  refuse_unknown(root, {"server", "database", "plugins", "plugin"}, path, "");
  if (auto* s = root["server"].as_table()) {
    refuse_unknown(*s,
                   {"listen", "public_url", "max_body_bytes", "max_connections", "read_timeout_seconds",
                    "public_signups_per_minute"},
                   path, "server");
    c.server.public_signups_per_minute = static_cast<int>(
        get<std::int64_t>(*s, "public_signups_per_minute", c.server.public_signups_per_minute, path, "server"));
    if (c.server.public_signups_per_minute < 0) fail(path, "[server] public_signups_per_minute cannot be negative");
    c.server.listen = get<std::string>(*s, "listen", c.server.listen, path, "server");
    c.server.public_url = get<std::string>(*s, "public_url", c.server.public_url, path, "server");
    auto body = get<std::int64_t>(*s, "max_body_bytes", static_cast<std::int64_t>(c.server.max_body_bytes), path, "server");
    if (body < 1024 || body > (1 << 30)) fail(path, "[server] max_body_bytes must be between 1024 and 1073741824");
    c.server.max_body_bytes = static_cast<std::size_t>(body);
    c.server.max_connections = static_cast<int>(get<std::int64_t>(*s, "max_connections", c.server.max_connections, path, "server"));
    c.server.read_timeout_seconds =
        static_cast<int>(get<std::int64_t>(*s, "read_timeout_seconds", c.server.read_timeout_seconds, path, "server"));
  } else if (root.contains("server")) {
    fail(path, "[server] must be a table");
  }
  if (auto* d = root["database"].as_table()) {
    refuse_unknown(*d, {"path", "write_batch_max"}, path, "database");
    c.database_path = get<std::string>(*d, "path", c.database_path.string(), path, "database");
    auto batch = get<std::int64_t>(*d, "write_batch_max", c.write_batch_max, path, "database");
    if (batch < 1 || batch > 100000) fail(path, "[database] write_batch_max must be between 1 and 100000");
    c.write_batch_max = static_cast<int>(batch);
  }
  if (auto* p = root["plugins"].as_table()) {
    refuse_unknown(*p, {"dir", "enabled"}, path, "plugins");
    c.plugins_dir = get<std::string>(*p, "dir", c.plugins_dir.string(), path, "plugins");
    if (const toml::node* e = p->get("enabled")) {
      const toml::array* arr = e->as_array();
      if (!arr) fail(path, "[plugins] enabled must be a list of names");
      std::vector<std::string> names;
      for (const auto& item : *arr) {
        auto name = item.value<std::string>();
        if (!name) fail(path, "[plugins] enabled must be a list of names");
        names.push_back(*name);
      }
      c.plugins_enabled = std::move(names);
    }
  }
  if (auto* p = root["plugin"].as_table()) {
    for (const auto& [name, section] : *p) {
      if (!section.is_table()) fail(path, fmt::format("[plugin.{}] must be a table", name.str()));
      std::ostringstream out;
      out << *section.as_table();
      c.plugin_sections[std::string(name.str())] = out.str();
    }
  }
  return c;
}

Config load_default(const std::optional<std::filesystem::path>& explicit_path) {
  if (explicit_path) {
    if (!std::filesystem::exists(*explicit_path)) fail(*explicit_path, "no such configuration file");
    return load(*explicit_path);
  }
  if (std::filesystem::exists("turnout.toml")) return load("turnout.toml");
  return Config{};
}

}  // namespace turnout::config
