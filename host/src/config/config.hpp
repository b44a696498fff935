// turnout.toml: one file, every key optional. See docs/configuration.md.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace turnout::config {

struct Server {
  std::string listen = "127.0.0.1:8080";
  std::string public_url = "http://127.0.0.1:8080";
  std::size_t max_body_bytes = 1024 * 1024;
  int max_connections = 1024;
  int read_timeout_seconds = 15;
  // Public sign-ups one address may send per minute; 0 turns the limit off.
  int public_signups_per_minute = 30;
};

struct Config {
  Server server;
  std::filesystem::path database_path = "var/turnout.db";
  // Most writes one commit may carry (group commit); 1 commits each alone.
  int write_batch_max = 512;
  std::filesystem::path plugins_dir = "build/plugins";
  std::optional<std::vector<std::string>> plugins_enabled;  // nullopt: all found
  // [plugin.NAME] sections, kept as TOML text for the plugin to read.
  std::map<std::string, std::string> plugin_sections;
  std::filesystem::path source;  // the file read, or empty for defaults
};

// Reads `path`; a missing file is an error. Unknown keys outside [plugin.*]
// are refused with their name, so a typo never silently does nothing.
Config load(const std::filesystem::path& path);
// The configuration a command runs with: --config when given, else
// ./turnout.toml when present, else the defaults.
Config load_default(const std::optional<std::filesystem::path>& explicit_path);

}  // namespace turnout::config
