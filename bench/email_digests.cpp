// turnout-bench-email-digests: composing every volunteer's weekly digest
// for the network data set (SPEC §6: 100,000 in under 10 s), the way the
// email plugin does it: the views the Host gives plugins (each call one read
// snapshot; everyone's assignments read meeting by meeting), the plugin's
// Mustache templates in the volunteer's language, and the whole MIME
// message. Its peer, from the same run: reading the same views alone, so
// the difference is the composing.
//
//   turnout-bench-email-digests --db var/bench/network.db

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "digest.hpp"
#include "domain/local_time.hpp"
#include "domain/time.hpp"
#include "mime.hpp"
#include "parallel.hpp"
#include "plugins/queries.hpp"
#include "store/database.hpp"
#include "store/groups.hpp"
#include "store/volunteers.hpp"

namespace {

namespace mail = turnout::email;
namespace sdk = turnout::plugin;
namespace store = turnout::store;
namespace domain = turnout::domain;
namespace queries = turnout::plugins::queries;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kHorizon = 14 * 86400;

std::string fmt_time(std::int64_t at, const std::string& tz, const std::string& lang, sdk::TimeStyle style) {
  auto s = style == sdk::TimeStyle::short_form  ? domain::TimeStyle::short_form
           : style == sdk::TimeStyle::time_only ? domain::TimeStyle::time_only
                                                : domain::TimeStyle::long_form;
  return domain::format_local(domain::Time{std::chrono::seconds{at}}, tz, lang, s);
}

struct Totals {
  std::int64_t digests = 0, bytes = 0, assignments = 0;
};

// One pass over every group and volunteer; composes when `compose`.
Totals pass(store::Database& db, std::int64_t now, bool compose) {
  Totals t;
  mail::Templates templates;
  for (const auto& g : store::list_groups(db)) {
    auto group = queries::group_view(g, "https://turnout.example.org");
    // As the email plugin reads through its Host: each call one snapshot.
    auto read = [&](auto fn) { return db.read(fn); };
    std::vector<mail::OpenSlot> open;
    std::map<std::int64_t, std::vector<sdk::AssignmentView>> by_volunteer;
    for (const auto& m : read([&] { return queries::meetings(db, g.id, now, now + kHorizon); })) {
      for (auto& a : read([&] { return queries::meeting_assignments(db, g.id, m.id); }))
        if (a.volunteer_id) by_volunteer[*a.volunteer_id].push_back(std::move(a));
      if (m.status == "cancelled" || m.status == "postponed") continue;
      auto items = read([&] { return queries::agenda_items(db, g.id, m.id); });
      for (const auto& s : read([&] { return queries::slots(db, g.id, m.id); })) {
        if (s.taken >= s.capacity) continue;
        std::optional<sdk::AgendaItemView> item;
        for (const auto& a : items)
          if (s.agenda_item_id && a.id == *s.agenda_item_id) item = a;
        open.push_back({m, s, item});
      }
    }
    store::VolunteerFilter f;
    f.limit = 1000;
    std::vector<sdk::VolunteerView> everyone;
    for (;;) {
      auto page = read([&] { return store::list_volunteers(db, g.id, f); });
      for (const auto& v : page) everyone.push_back(queries::volunteer_view(v, g));
      if (static_cast<int>(page.size()) < f.limit) break;
      f.after_id = page.back().id;
    }
    static const std::vector<sdk::AssignmentView> kNone;
    auto mine_of = [&](std::int64_t id) -> const std::vector<sdk::AssignmentView>& {
      auto it = by_volunteer.find(id);
      return it == by_volunteer.end() ? kNone : it->second;
    };
    for (const auto& v : everyone) t.assignments += static_cast<std::int64_t>(mine_of(v.id).size());
    t.digests += static_cast<std::int64_t>(everyone.size());
    if (!compose) continue;
    // As the plugin does: composing spread over the cores.
    std::vector<std::int64_t> bytes(everyone.size());
    mail::parallel_for(everyone.size(), [&](std::size_t i) {
      const auto& view = everyone[i];
      auto m = mail::volunteer_digest(templates, fmt_time, group, view, mine_of(view.id), open,
                                      {"https://turnout.example.org/app/", "https://turnout.example.org/u?t=x"}, now);
      m.from = {"Turnout", "turnout@example.org"};
      m.to = {view.name, view.email.empty() ? fmt::format("volunteer{}@example.invalid", view.id) : view.email};
      bytes[i] = static_cast<std::int64_t>(
          mail::compose(m, now, fmt::format("<{}@example.org>", view.id), std::to_string(view.id)).size());
    });
    for (auto b : bytes) t.bytes += b;
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string_view(argv[i]) == "--db") db_path = argv[i + 1];
  if (db_path.empty()) {
    fmt::print(stderr, "usage: {} --db NETWORK.db\n", argv[0]);
    return 2;
  }
  store::Database db(db_path);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto began = Clock::now();
  auto reads = pass(db, now, false);
  double read_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  began = Clock::now();
  auto cpu_began = std::clock();
  auto composed = pass(db, now, true);
  double compose_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  double compose_cpu = static_cast<double>(std::clock() - cpu_began) / CLOCKS_PER_SEC;
  fmt::print("email_digests.count {}\n", composed.digests);
  fmt::print("email_digests.assignments {}\n", composed.assignments);
  fmt::print("email_digests.seconds {:.2f}\n", compose_seconds);
  fmt::print("email_digests.cpu_seconds {:.2f}\n", compose_cpu);
  fmt::print("email_digests.mean_bytes {}\n", composed.digests ? composed.bytes / composed.digests : 0);
  fmt::print("email_digests.peer.read_only_seconds {:.2f}\n", read_seconds);
  return reads.digests == composed.digests ? 0 : 1;
}
