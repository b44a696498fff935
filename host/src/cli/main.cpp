// turnoutd: the daemon and its operator commands. Each command takes
// --help, --config FILE and --db PATH. What scripts rely on (ids, tokens)
// goes to stdout alone; everything else to stderr.
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/csv_volunteers.hpp"
#include "cli/demo.hpp"
#include "config/config.hpp"
#include "delivery/delivery.hpp"
#include "delivery/test_clock.hpp"
#include "domain/error.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "plugins/calendars.hpp"
#include "plugins/dispatch.hpp"
#include "plugins/loader.hpp"
#include "security/secrets.hpp"
#include "store/groups.hpp"
#include "store/migrations.hpp"
#include "store/read_pool.hpp"
#include "store/writer.hpp"
#include "turnout/version.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace turnout::cli {
namespace {

// A command-line mistake: printed with the command's usage, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  std::string name;  // "admin create-group"
  std::string summary;
  std::function<void(po::options_description&)> options;
  std::function<int(const po::variables_map&, const config::Config&)> run;
  std::string positional;  // name of one positional argument, if any
};

domain::SystemClock system_clock;

config::Config load_config(const po::variables_map& vm) {
  std::optional<fs::path> file;
  if (vm.count("config")) file = vm["config"].as<std::string>();
  config::Config c = config::load_default(file);
  if (vm.count("db")) c.database_path = vm["db"].as<std::string>();
  if (vm.count("plugins-dir")) c.plugins_dir = vm["plugins-dir"].as<std::string>();
  return c;
}

// Opens the database, creating its folder and bringing the schema up to date.
std::unique_ptr<store::Database> open_database(const config::Config& c, bool migrate = true) {
  if (c.database_path.has_parent_path()) fs::create_directories(c.database_path.parent_path());
  auto db = std::make_unique<store::Database>(c.database_path);
  if (migrate) {
    auto report = store::migrate(*db);
    if (report.from != report.to)
      spdlog::info("database schema migrated from version {} to {}", report.from, report.to);
  }
  return db;
}

domain::Group group_from(store::Database& db, const po::variables_map& vm) {
  if (vm.count("group")) {
    auto g = store::find_group(db, vm["group"].as<std::string>());
    if (!g) throw Error(ErrorCode::not_found, "no group with that slug; `turnoutd admin create-group` makes one", "group");
    return *g;
  }
  auto groups = store::list_groups(db);
  if (groups.size() == 1) return groups.front();
  throw UsageError(groups.empty() ? "there is no group yet; create one with `turnoutd admin create-group`"
                                  : "this instance has several groups; name one with --group SLUG");
}

int cmd_init(const po::variables_map&, const config::Config& c) {
  bool existed = fs::exists(c.database_path);
  auto db = open_database(c, false);
  auto report = store::migrate(*db);
  std::cerr << fmt::format("{} {} at schema version {}{}\n", existed ? "database" : "created database",
                           c.database_path.string(), report.to,
                           report.from != report.to && existed ? fmt::format(" (was {})", report.from) : "");
  return 0;
}

int cmd_demo(const po::variables_map&, const config::Config& c) {
  auto db = open_database(c);
  DemoResult r = load_demo(*db, system_clock);
  std::cerr << (r.created ? "loaded the demo group " : "the demo group is there already: ") << r.group.name << " ("
            << r.group.slug << ")\n"
            << "coordinator login: " << r.coordinator_email << " / " << r.coordinator_password << "\n";
  return 0;
}

int cmd_create_group(const po::variables_map& vm, const config::Config& c) {
  auto db = open_database(c);
  store::Context ctx{*db, system_clock, domain::Actor::system("cli")};
  store::GroupDraft d;
  d.name = vm["name"].as<std::string>();
  d.slug = vm["slug"].as<std::string>();
  d.timezone = vm["timezone"].as<std::string>();
  d.language = vm["language"].as<std::string>();
  d.country = vm["country"].as<std::string>();
  std::cout << store::create_group(ctx, d).id << "\n";
  return 0;
}

int cmd_create_user(const po::variables_map& vm, const config::Config& c) {
  auto db = open_database(c);
  store::Context ctx{*db, system_clock, domain::Actor::system("cli")};
  store::AccountDraft d;
  d.role = vm["role"].as<std::string>();
  d.email = vm["email"].as<std::string>();
  d.name = vm.count("name") ? vm["name"].as<std::string>() : "";
  if (vm.count("group")) {
    auto g = store::find_group(*db, vm["group"].as<std::string>());
    if (!g) throw Error(ErrorCode::not_found, "no group with that slug", "group");
    d.group_id = g->id;
  }
  if (vm.count("password-stdin")) {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    d.password = std::move(password);
  }
  std::cout << store::create_account(ctx, d).id << "\n";
  return 0;
}

int cmd_token_create(const po::variables_map& vm, const config::Config& c) {
  auto db = open_database(c);
  store::Context ctx{*db, system_clock, domain::Actor::system("cli")};
  auto account = store::find_account(*db, vm["user"].as<std::string>());
  if (!account) throw Error(ErrorCode::not_found, "no account with that email", "user");
  std::cout << store::create_api_token(ctx, account->id, vm["label"].as<std::string>()) << "\n";
  return 0;
}

int cmd_import_volunteers(const po::variables_map& vm, const config::Config& c) {
  fs::path file = vm["file"].as<std::string>();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {}", file.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto db = open_database(c);
  domain::Group g = group_from(*db, vm);
  store::Context ctx{*db, system_clock, domain::Actor::system("cli")};
  try {
    std::size_t n = import_volunteers_csv(ctx, g, text);
    std::cout << n << "\n";
    std::cerr << fmt::format("imported {} volunteers into {}\n", n, g.slug);
  } catch (const CsvImportError& e) {
    std::cerr << fmt::format("turnoutd: {} was refused; nothing was imported:\n", file.filename().string());
    for (const auto& p : e.problems()) std::cerr << "  " << p << "\n";
    return 1;
  }
  return 0;
}

int cmd_export_volunteers(const po::variables_map& vm, const config::Config& c) {
  auto db = open_database(c);
  domain::Group g = group_from(*db, vm);
  if (vm.count("out")) {
    fs::path out = vm["out"].as<std::string>();
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    if (!file) throw UsageError(fmt::format("cannot write {}", out.string()));
    export_volunteers_csv(*db, g, file);
    if (!file.flush()) throw UsageError(fmt::format("could not finish writing {}", out.string()));
  } else {
    export_volunteers_csv(*db, g, std::cout);
  }
  return 0;
}

int cmd_backup(const po::variables_map& vm, const config::Config& c) {
  fs::path out = vm["file"].as<std::string>();
  if (!fs::exists(c.database_path)) throw UsageError(fmt::format("no database at {}", c.database_path.string()));
  auto db = open_database(c, false);
  db->backup_to(out);
  store::Database copy(out, {.create = false});
  std::string check = copy.integrity_check();
  if (check != "ok") throw std::runtime_error("the backup failed its integrity check: " + check);
  std::cerr << fmt::format("backed up {} to {} (integrity ok)\n", c.database_path.string(), out.string());
  return 0;
}

void print_plugin(const plugins::PluginInfo& p) {
  std::cout << fmt::format("{:<14} {:<9} {:<8} {}\n", p.name, p.version.empty() ? "-" : p.version, p.state,
                           p.file.string());
  if (!p.description.empty()) std::cout << "    " << p.description << "\n";
  if (p.capabilities) std::cout << "    provides: " << fmt::format("{}", fmt::join(plugins::capability_names(p.capabilities), ", ")) << "\n";
  if (!p.reason.empty()) std::cout << "    why: " << p.reason << "\n";
}

// Loads and starts each plugin as serve would (routes go nowhere), stops it,
// and reports: exit status 1 when any was refused or failed.
int check_plugins(const std::vector<std::filesystem::path>& files, const config::Config& c) {
  plugins::RouteTable routes;
  plugins::PluginSet set({c, system_clock, routes, nullptr});
  for (const auto& f : files) set.load(f);
  auto all = set.list();
  set.stop_all();
  bool ok = true;
  for (const auto& p : all) {
    print_plugin(p);
    ok = ok && p.state == "running";
  }
  return ok ? 0 : 1;
}

int cmd_plugins_list(const po::variables_map&, const config::Config& c) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (!fs::is_directory(c.plugins_dir, ec)) throw UsageError(fmt::format("no plugin folder {}", c.plugins_dir.string()));
  for (const auto& e : fs::directory_iterator(c.plugins_dir, ec))
    if (e.path().extension() == ".so" &&
        (!c.plugins_enabled || std::find(c.plugins_enabled->begin(), c.plugins_enabled->end(), e.path().stem().string()) !=
                                   c.plugins_enabled->end()))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) std::cerr << "no plugins in " << c.plugins_dir.string() << "\n";
  return check_plugins(files, c);
}

int cmd_plugins_check(const po::variables_map& vm, const config::Config& c) {
  fs::path file = vm["file"].as<std::string>();
  if (!fs::exists(file)) throw UsageError(fmt::format("no such file {}", file.string()));
  return check_plugins({fs::absolute(file)}, c);
}

int cmd_version(const po::variables_map&, const config::Config&) {
  std::cout << fmt::format("turnoutd {} (schema {})\n", TURNOUT_VERSION_STR, store::latest_schema_version());
  return 0;
}

int cmd_serve(const po::variables_map&, const config::Config& c) {
  {
    auto db = open_database(c);  // create or migrate before anyone reads
  }
  http::ServerOptions options;
  http::parse_listen(c.server.listen, options);
  options.max_body_bytes = c.server.max_body_bytes;
  options.max_connections = c.server.max_connections;
  options.read_timeout_seconds = c.server.read_timeout_seconds;
  // A test-only clock, when TURNOUT_TEST_CLOCK_FILE is set (never in
  // production: it is refused unless the daemon listens on loopback).
  std::unique_ptr<delivery::FileClock> test_clock = delivery::test_clock_from_environment(options.address);
  const domain::Clock& clock = test_clock ? static_cast<const domain::Clock&>(*test_clock) : system_clock;
  store::Writer writer(c.database_path, static_cast<std::size_t>(c.write_batch_max));
  store::ReadPool reads(c.database_path);
  http::Api api(c, writer, reads, clock);
  plugins::RouteTable plugin_routes;
  plugins::PluginSet* set_for_reports = nullptr;
  plugins::EventBus events(reads, writer, [&](const std::string& plugin, const std::string& reason) {
    if (set_for_reports) set_for_reports->report(plugin, reason);
  });
  writer.after_each_commit([&events] { events.notify(); });
  plugins::Jobs jobs;
  plugins::Digests digests(jobs);
  api.attach_digests(&digests);
  plugins::Calendars calendars;
  delivery::Options delivery_options;
  if (test_clock) delivery_options.max_sleep = std::chrono::milliseconds(200);  // the test moves time by jumps
  delivery::Delivery outbox(c, clock, reads, writer, delivery_options,
                            [&](const std::string& plugin, const std::string& reason) {
                              if (set_for_reports) set_for_reports->report(plugin, reason);
                            });
  auto planner = events.subscribe("_delivery", "", [&outbox](const plugin::Event& e) { outbox.on_event(e); });
  plugins::PluginSet plugin_set(
      {c, clock, plugin_routes, &reads, &writer, &events, &jobs, &digests, &calendars, &outbox});
  set_for_reports = &plugin_set;
  plugin_set.load_all();
  outbox.start();
  api.attach_plugins(&plugin_set, &plugin_routes);
  api.attach_calendars(&calendars);
  api.attach_delivery(&outbox);
  {
    http::Server server(options, [&api](http::Request&& req, const http::Peer& peer, http::Reply reply) {
      api.handle(std::move(req), peer, std::move(reply));
    });
    spdlog::info("turnoutd {} serving on http://{}:{} (database {})", TURNOUT_VERSION_STR, options.address,
                 server.port(), c.database_path.string());
    server.run();
    // The server's threads are done: no request can reach a plugin now.
    outbox.stop();  // no more sends; what is pending stays in the outbox
    plugin_set.stop_all();
    events.stop();
    jobs.stop();
    // Finish the writes that were queued, then close. This happens while the
    // server still exists: a finished write lets go of its connection, and
    // a connection must never outlive the server's io_context.
    writer.stop();
  }
  spdlog::info("stopped");
  return 0;
}

std::vector<Command> commands() {
  return {
      {"serve", "serve the web UI, the API and the plugins", nullptr, cmd_serve, ""},
      {"init", "create the database, or bring its schema up to date", nullptr, cmd_init, ""},
      {"demo", "load the demo campaign (safe to run again)", nullptr, cmd_demo, ""},
      {"admin create-group", "create a group; prints its id",
       [](po::options_description& o) {
         o.add_options()("name", po::value<std::string>()->required(), "the group's name")(
             "slug", po::value<std::string>()->required(), "its short name in links: lower-case, digits, dashes")(
             "timezone", po::value<std::string>()->default_value("America/Los_Angeles"), "IANA time zone")(
             "language", po::value<std::string>()->default_value("en"), "default language of its volunteers (en, es)")(
             "country", po::value<std::string>()->default_value("US"), "country used to read local phone numbers");
       },
       cmd_create_group, ""},
      {"admin create-user", "create an account; prints its id",
       [](po::options_description& o) {
         o.add_options()("group", po::value<std::string>(), "the group's slug (not for admins)")(
             "email", po::value<std::string>()->required(), "sign-in email")(
             "role", po::value<std::string>()->required(), "admin, coordinator or viewer")(
             "name", po::value<std::string>(), "display name")(
             "password-stdin", "read the password from the first line of standard input");
       },
       cmd_create_user, ""},
      {"token create", "create an API token for an account; prints the token alone",
       [](po::options_description& o) {
         o.add_options()("user", po::value<std::string>()->required(), "the account's email")(
             "label", po::value<std::string>()->default_value(""), "what the token is for");
       },
       cmd_token_create, ""},
      {"import volunteers", "import volunteers from a CSV file, all rows or none; prints how many",
       [](po::options_description& o) {
         o.add_options()("file", po::value<std::string>()->required(), "the CSV file")(
             "group", po::value<std::string>(), "the group's slug (needed when there are several)");
       },
       cmd_import_volunteers, "file"},
      {"export volunteers", "write the group's volunteers as CSV (the import's columns)",
       [](po::options_description& o) {
         o.add_options()("group", po::value<std::string>(), "the group's slug (needed when there are several)")(
             "out", po::value<std::string>(), "write to this file instead of standard output");
       },
       cmd_export_volunteers, ""},
      {"backup", "copy the database to a new file while it is in use",
       [](po::options_description& o) {
         o.add_options()("file", po::value<std::string>()->required(), "the new file (must not exist)");
       },
       cmd_backup, "file"},
      {"plugins list", "check every plugin in the plugin folder as serve would load it",
       [](po::options_description& o) {
         o.add_options()("plugins-dir", po::value<std::string>(), "the folder (overrides [plugins] dir)");
       },
       cmd_plugins_list, ""},
      {"plugins check", "load, start and stop one plugin file; exit 1 and say why if it is refused",
       [](po::options_description& o) {
         o.add_options()("file", po::value<std::string>()->required(), "the plugin's NAME.so");
       },
       cmd_plugins_check, "file"},
      {"version", "print the version and schema version", nullptr, cmd_version, ""},
  };
}

void print_overview(std::ostream& out) {
  out << "turnoutd " << TURNOUT_VERSION_STR << ": organize people to speak at public meetings\n\n"
      << "usage: turnoutd COMMAND [options]\n\ncommands:\n";
  for (const auto& c : commands()) out << fmt::format("  {:<20} {}\n", c.name, c.summary);
  out << "\nevery command takes --help, --config FILE (default ./turnout.toml) and --db PATH\n";
}

int dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_overview(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") args[0] = "version";
  const auto all = commands();
  const Command* found = nullptr;
  std::size_t words = 0;
  for (const auto& c : all) {
    std::istringstream name(c.name);
    std::vector<std::string> parts{std::istream_iterator<std::string>(name), {}};
    if (args.size() >= parts.size() && std::equal(parts.begin(), parts.end(), args.begin())) {
      found = &c;
      words = parts.size();
      break;
    }
  }
  if (!found) {
    std::cerr << "turnoutd: unknown command \"" << args[0] << "\"\n\n";
    print_overview(std::cerr);
    return 2;
  }
  po::options_description options(fmt::format("usage: turnoutd {} [options]{}\n{}\n\noptions", found->name,
                                              found->positional.empty() ? "" : " " + found->positional,
                                              found->summary));
  options.add_options()("help,h", "show this help")("config", po::value<std::string>(), "configuration file (TOML)")(
      "db", po::value<std::string>(), "database file (overrides [database] path)");
  if (found->options) found->options(options);
  po::positional_options_description positional;
  if (!found->positional.empty()) positional.add(found->positional.c_str(), 1);
  std::vector<std::string> rest(args.begin() + static_cast<long>(words), args.end());
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(rest).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "turnoutd " << found->name << ": " << e.what() << "\n\n" << options << "\n";
    return 2;
  }
  try {
    config::Config c = load_config(vm);
    return found->run(vm, c);
  } catch (const UsageError& e) {
    std::cerr << "turnoutd " << found->name << ": " << e.what() << "\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << "turnoutd " << found->name << ": " << (e.field().empty() ? "" : e.field() + ": ") << e.what()
              << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "turnoutd " << found->name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace
}  // namespace turnout::cli

int main(int argc, char** argv) {
  // Logs go to stderr: stdout carries only what scripts read (ids, tokens, CSV).
  spdlog::set_default_logger(spdlog::stderr_color_mt("turnoutd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S%z %l %v");
  turnout::security::init();
  return turnout::cli::dispatch(argc, argv);
}
