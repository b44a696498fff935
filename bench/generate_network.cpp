// turnout-gen-network: writes the SPEC §6 "network" data set into a new
// SQLite file: 200 groups, 100,000 volunteers, 20,000 meetings, 500,000
// slots and 300,000 assignments (times --scale), the same rows for the same
// seed and start day, so every benchmark measures the same network.
//
// It loads with raw prepared INSERTs in a few large transactions: the store's
// create_* functions commit (and fsync) one row at a time, which is right for
// people and far too slow for a million rows. The schema's CHECKs, unique
// indexes and capacity triggers still judge every row.

#include <fmt/format.h>

#include "common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/time.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace {

namespace fs = std::filesystem;
using turnout::store::Database;

constexpr std::uint64_t kDefaultSeed = 20260301;
constexpr std::int64_t kDay = 86400;
constexpr int kDaysAhead = 120;

// One stream per phase, so changing how slots are drawn leaves the
// volunteers as they were.
enum class Stream : std::uint64_t { groups = 1, bodies, volunteers, meetings, slots, assignments };

// splitmix64: tiny, and unlike std::uniform_int_distribution it gives the
// same numbers with every standard library, so a seed names one data set.
class Random {
 public:
  Random(std::uint64_t seed, Stream stream)
      : state_(seed ^ (static_cast<std::uint64_t>(stream) * 0xd1b54a32d192ed03ULL)) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
  std::int64_t between(std::int64_t lo, std::int64_t hi) { return lo + below(hi - lo + 1); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[static_cast<std::size_t>(below(std::ssize(from)))];
  }
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::int64_t i = std::ssize(v) - 1; i > 0; --i) std::swap(v[i], v[below(i + 1)]);
  }

 private:
  std::uint64_t state_;
};

struct Options {
  fs::path db;
  std::uint64_t seed = kDefaultSeed;
  double scale = 1.0;
  std::optional<std::int64_t> start;  // Unix seconds; default: the next UTC midnight
};

[[noreturn]] void usage(int code) {
  fmt::print(code == 0 ? stdout : stderr,
             "usage: turnout-gen-network --db PATH [--seed N] [--scale F] [--start UNIX_SECONDS]\n"
             "  Writes the SPEC §6 network data set into PATH, which must not exist.\n"
             "  --seed   default {}; the same seed and start give the same rows\n"
             "  --scale  multiplies every count (default 1.0; 0.01 for tests)\n"
             "  --start  first day of the 120 days of meetings (default: the next UTC midnight)\n",
             kDefaultSeed);
  std::exit(code);
}

template <typename T>
T parse_number(std::string_view text, std::string_view flag) {
  return turnout::bench::parse_number<T>("turnout-gen-network", text, flag);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") usage(0);
    if (i + 1 >= argc) usage(2);
    std::string_view value = argv[++i];
    if (arg == "--db")
      o.db = std::string(value);
    else if (arg == "--seed")
      o.seed = parse_number<std::uint64_t>(value, arg);
    else if (arg == "--scale")
      o.scale = parse_number<double>(value, arg);
    else if (arg == "--start")
      o.start = parse_number<std::int64_t>(value, arg);
    else
      usage(2);
  }
  if (o.db.empty()) usage(2);
  if (!(o.scale > 0 && o.scale <= 50)) {
    fmt::print(stderr, "turnout-gen-network: --scale is between 0 and 50\n");
    std::exit(2);
  }
  return o;
}

// Splits `total` over the weights exactly (largest remainder), so the
// counts add up to the SPEC's numbers.
std::vector<std::int64_t> apportion(std::int64_t total, const std::vector<double>& weights) {
  double sum = 0;
  for (double w : weights) sum += w;
  std::vector<std::int64_t> out(weights.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    double exact = static_cast<double>(total) * weights[i] / sum;
    out[i] = static_cast<std::int64_t>(exact);
    given += out[i];
    remainders.emplace_back(exact - static_cast<double>(out[i]), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < total; ++k, ++given) ++out[remainders[k % remainders.size()].second];
  return out;
}

// Only 555-0100 to 555-0199 is set aside for fiction in every North American
// area code, so no generated number can ever reach a real person.
std::string fictional_phone(std::int64_t index_in_group) {
  static const std::vector<int> area_codes = [] {
    std::vector<int> v;
    for (int n = 200; n <= 999; ++n)
      if (n % 100 != 11) v.push_back(n);  // N11 codes are service numbers
    return v;
  }();
  auto area = static_cast<std::size_t>(index_in_group / 100);
  if (area >= area_codes.size()) throw std::runtime_error("more phoned volunteers in one group than fictional numbers");
  return fmt::format("+1{}5550{}", area_codes[area], 100 + index_in_group % 100);
}

const std::vector<std::string> kPlaces = {"North", "South", "East",   "West", "Port",  "Lake",  "River",
                                          "Fair",  "Green", "Oak",    "Pine", "Cedar", "Maple", "Elm",
                                          "Ash",   "Stone", "Spring", "Mill", "Bay",   "Glen"};
const std::vector<std::string> kPlaceEndings = {"field", "ton",   "view", "wood",  "dale",
                                                "ford",  "haven", "port", "ville", "brook"};
const std::vector<std::string> kCauses = {
    "Tenants Union", "Transit Riders",     "Neighbors United",    "Housing Coalition",
    "Youth Council", "Clean Air Alliance", "Parents for Schools", "Police Accountability Project"};
const std::vector<std::string> kZones = {"America/New_York", "America/Chicago",     "America/Denver",
                                         "America/Phoenix",  "America/Los_Angeles", "America/Anchorage",
                                         "Pacific/Honolulu", "America/New_York",    "America/Los_Angeles"};
const std::vector<std::string> kFirstNames = {
    "Ana",   "José",   "María", "Luis",  "Mei",    "Wei",    "Linh",  "Minh",   "Fatima", "Omar",
    "Aisha", "Kwame",  "Grace", "Sam",   "Jordan", "Taylor", "Priya", "Arjun",  "Sofia",  "Diego",
    "Noor",  "Yusuf",  "Elena", "Ivan",  "Hana",   "Kenji",  "Chloe", "Marcus", "Imani",  "Tomás",
    "Rosa",  "Daniel", "Leah",  "Malik", "Nadia",  "Pedro",  "Ruth",  "Tyrone", "Xin",    "Zoe"};
const std::vector<std::string> kLastNames = {
    "García", "Nguyen",  "Smith",   "Johnson", "Chen",   "Williams", "Rodríguez", "Kim",      "Patel", "Hernández",
    "Okafor", "Brown",   "Jones",   "López",   "Tran",   "Lee",      "Wong",      "Martínez", "Davis", "Ali",
    "Haddad", "Cohen",   "Singh",   "Mensah",  "Flores", "Silva",    "Park",      "Ramírez",  "Begay", "Yazzie",
    "Murphy", "O'Brien", "Sánchez", "Torres",  "Rivera", "Gómez",    "Phạm",      "Hoang",    "Bui",   "Diaz"};
const std::vector<std::string> kTags = {"spanish",    "housing", "transit", "driver", "interpreter",
                                        "first-time", "youth",   "seniors", "writer", "tenant-leader"};
const std::vector<std::string> kAgendaTitles = {"Rent stabilization ordinance amendments",
                                                "Budget hearing: public safety",
                                                "Bus route service changes",
                                                "Rezoning of the former mill site",
                                                "Police surveillance technology policy",
                                                "Affordable housing bond allocation",
                                                "Bike lane network plan",
                                                "Air quality permit for the port terminal",
                                                "School boundary changes",
                                                "Short-term rental regulations",
                                                "Library hours and staffing",
                                                "Tenant right to counsel program"};

struct BodyKind {
  std::string kind, name;
};
const std::vector<BodyKind> kOtherBodies = {{"county_board", "County Board of Supervisors"},
                                            {"commission", "Planning Commission"},
                                            {"commission", "Rent Board"},
                                            {"committee", "Land Use Committee"},
                                            {"committee", "Transportation Committee"},
                                            {"oversight", "Police Oversight Commission"},
                                            {"legislature", "State Assembly Housing Committee"},
                                            {"other", "Board of Education"}};

struct Group {
  std::string place, zone;
  std::vector<std::int64_t> body_ids;
  std::vector<int> body_minutes;  // minutes per speaker, by body
  std::vector<bool> body_remote;
  std::int64_t first_volunteer = 0, volunteers = 0;
};

struct Meeting {
  std::int64_t starts_at, ends_at;
  std::uint32_t group;
};

struct Slot {
  std::uint32_t meeting;
  bool speaker;
};

struct Totals {
  std::int64_t groups = 0, bodies = 0, volunteers = 0, volunteer_tags = 0, meetings = 0, agenda_items = 0, slots = 0,
               assignments = 0, holding_place = 0;
};

// Runs fn in transactions of `rows_per_transaction` rows each: every commit
// costs a few fsyncs, so a handful of large ones is all the load pays for.
template <typename Fn>
void in_batches(Database& db, std::int64_t count, std::int64_t rows_per_transaction, Fn&& fn) {
  for (std::int64_t from = 0; from < count; from += rows_per_transaction)
    db.write([&] {
      for (std::int64_t i = from; i < std::min(count, from + rows_per_transaction); ++i) fn(i);
    });
}

void generate(const Options& o, Database& db, std::int64_t start, Totals& t) {
  auto scaled = [&](double n) { return std::max<std::int64_t>(1, std::llround(n * o.scale)); };
  const std::int64_t n_groups = scaled(200), n_volunteers = scaled(100'000), n_meetings = scaled(20'000);
  const std::int64_t n_slots = std::max(scaled(500'000), n_meetings), n_assignments = scaled(300'000);
  const std::int64_t created = start - 400 * kDay;  // the groups joined a while ago

  // Groups differ in size by up to four times; volunteers and meetings follow.
  std::vector<Group> groups(static_cast<std::size_t>(n_groups));
  std::vector<double> weights;
  {
    Random r(o.seed, Stream::groups);
    db.write([&] {
      for (std::int64_t g = 0; g < n_groups; ++g) {
        Group& group = groups[static_cast<std::size_t>(g)];
        auto places = std::ssize(kPlaces) * std::ssize(kPlaceEndings);
        group.place = kPlaces[static_cast<std::size_t>(g % std::ssize(kPlaces))] +
                      kPlaceEndings[static_cast<std::size_t>(g / std::ssize(kPlaces) % std::ssize(kPlaceEndings))];
        std::string slug;
        for (char c : group.place) slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (g >= places) {
          slug += fmt::format("-{}", g / places + 1);
          group.place += fmt::format(" {}", g / places + 1);
        }
        group.zone = r.pick(kZones);
        const std::string name = fmt::format("{} {}", group.place, r.pick(kCauses));
        db.query(
              "INSERT INTO \"group\" (id, name, slug, timezone, language, country, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, 'en', 'US', ?, ?)",
              g + 1, name, slug, group.zone, created, created)
            .run();
        // The defaults create_group gives every group: 48 h and 3 h before.
        for (int offset : {2880, 180})
          for (const char* channel : {"sms", "email"})
            db.query("INSERT INTO reminder_rule (group_id, offset_minutes, channel) VALUES (?, ?, ?)", g + 1, offset,
                     channel)
                .run();
        weights.push_back(1.0 + 3.0 * r.unit());
        ++t.groups;
      }
    });
  }

  {
    Random r(o.seed, Stream::bodies);
    db.write([&] {
      for (std::int64_t g = 0; g < n_groups; ++g) {
        Group& group = groups[static_cast<std::size_t>(g)];
        std::int64_t n = r.between(2, 4);  // about 3 per group
        std::vector<BodyKind> kinds{{"city_council", "City Council"}};
        while (std::ssize(kinds) < n) {
          const BodyKind& k = r.pick(kOtherBodies);
          if (std::none_of(kinds.begin(), kinds.end(), [&](auto& x) { return x.name == k.name; })) kinds.push_back(k);
        }
        for (const BodyKind& k : kinds) {
          int minutes = static_cast<int>(r.between(1, 3));
          bool remote = r.chance(0.5);
          std::optional<int> opens, words, deadline;
          if (r.chance(0.5)) opens = 7 * 24 * 60;
          if (r.chance(0.7)) words = 300;
          if (r.chance(0.5)) deadline = 24 * 60;
          static const std::vector<int> closes_at = {0, 0, 60, 1440, -30};
          static const std::vector<int> leads = {24, 48, 48, 72};
          const int closes = r.pick(closes_at), lead = r.pick(leads);
          const bool feed_public = r.chance(0.3);
          db.query(
                "INSERT INTO body (group_id, name, kind, jurisdiction, timezone, minutes_per_speaker, "
                "signup_opens_minutes_before, signup_closes_minutes_before, remote_allowed, "
                "interpretation_lead_hours, written_limit_words, written_deadline_minutes_before, feed_public, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                g + 1, fmt::format("{} {}", group.place, k.name), k.kind, group.place, group.zone, minutes, opens,
                closes, remote, lead, words, deadline, feed_public, created, created)
              .run();
          group.body_ids.push_back(db.last_insert_rowid());
          group.body_minutes.push_back(minutes);
          group.body_remote.push_back(remote);
          ++t.bodies;
        }
      }
    });
  }

  // Volunteers come in group by group, as a CSV import would bring them.
  {
    Random r(o.seed, Stream::volunteers);
    std::vector<std::int64_t> sizes = apportion(n_volunteers, weights);
    std::vector<std::pair<std::uint32_t, std::int64_t>> who;  // (group, index within the group)
    std::int64_t next_id = 1;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      groups[g].first_volunteer = next_id;
      groups[g].volunteers = sizes[g];
      next_id += sizes[g];
      for (std::int64_t k = 0; k < sizes[g]; ++k) who.emplace_back(static_cast<std::uint32_t>(g), k);
    }
    static const std::vector<std::string> languages = {"en", "en", "en", "en", "en", "en", "en", "en", "en", "en", "en",
                                                       "en", "en", "en", "en", "en", "es", "es", "es", "zh", "vi"};
    in_batches(db, n_volunteers, 50'000, [&](std::int64_t i) {
      auto [g, k] = who[static_cast<std::size_t>(i)];
      const Group& group = groups[g];
      std::int64_t id = i + 1;
      std::optional<std::string> phone, email;
      if (r.chance(0.85)) phone = fictional_phone(k);
      if (!phone || r.chance(0.75)) email = fmt::format("volunteer{}@example.org", id);
      std::optional<std::int64_t> opted_out;
      if (r.chance(0.02)) opted_out = start - r.between(1, 90) * kDay;
      const std::int64_t joined = start - r.between(1, 365) * kDay;
      const std::string first_name = r.pick(kFirstNames), last_name = r.pick(kLastNames);
      const std::string& language = r.pick(languages);
      const bool sms_opt_in = phone && r.chance(0.9), email_opt_in = email && r.chance(0.9);
      db.query(
            "INSERT INTO volunteer (id, group_id, name, phone, email, language, timezone, sms_opt_in, "
            "email_opt_in, opted_out_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            id, static_cast<std::int64_t>(g) + 1, fmt::format("{} {}", first_name, last_name), phone, email, language,
            group.zone, sms_opt_in, email_opt_in, opted_out, joined, joined)
          .run();
      if (r.chance(0.35)) {
        const std::string& first = r.pick(kTags);
        db.query("INSERT INTO volunteer_tag (volunteer_id, tag) VALUES (?, ?)", id, first).run();
        ++t.volunteer_tags;
        const std::string& second = r.pick(kTags);
        if (second != first && r.chance(0.3)) {
          db.query("INSERT INTO volunteer_tag (volunteer_id, tag) VALUES (?, ?)", id, second).run();
          ++t.volunteer_tags;
        }
      }
      ++t.volunteers;
    });
  }

  // Meetings interleave across groups, as coordinators add them over time;
  // each comes with its agenda items and slots, as a coordinator sets it up.
  std::vector<Meeting> meetings;
  std::vector<Slot> slots;
  std::vector<std::int64_t> capacities;
  {
    Random r(o.seed, Stream::meetings);
    Random rs(o.seed, Stream::slots);
    std::vector<std::uint32_t> meeting_group;
    std::vector<std::int64_t> per_group = apportion(n_meetings, weights);
    for (std::size_t g = 0; g < groups.size(); ++g)
      meeting_group.insert(meeting_group.end(), static_cast<std::size_t>(per_group[g]), static_cast<std::uint32_t>(g));
    r.shuffle(meeting_group);
    // At least one slot each; the rest land at random: about 25 a meeting.
    std::vector<std::int64_t> slots_per_meeting(static_cast<std::size_t>(n_meetings), 1);
    for (std::int64_t i = n_meetings; i < n_slots; ++i)
      ++slots_per_meeting[static_cast<std::size_t>(rs.below(n_meetings))];

    const std::chrono::sys_days first_day{
        std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds{std::chrono::seconds{start}})};
    static const std::vector<int> evening = {17 * 60 + 30, 18 * 60, 18 * 60 + 30, 19 * 60};
    static const std::vector<int> daytime = {9 * 60, 10 * 60, 13 * 60 + 30, 14 * 60};
    static const std::vector<const char*> stances = {"support", "oppose", "neutral"};
    in_batches(db, n_meetings, 2'500, [&](std::int64_t i) {
      const std::uint32_t g = meeting_group[static_cast<std::size_t>(i)];
      const Group& group = groups[g];
      const std::int64_t id = i + 1;
      auto b = static_cast<std::size_t>(r.below(std::ssize(group.body_ids)));
      std::chrono::year_month_day day{first_day + std::chrono::days{r.below(kDaysAhead)}};
      int at = r.chance(0.7) ? r.pick(evening) : r.pick(daytime);
      std::int64_t starts =
          turnout::domain::at_local(group.zone, day, std::chrono::minutes{at}).time_since_epoch().count();
      std::int64_t ends = starts + r.between(4, 8) * 30 * 60;  // two to four hours
      double s = r.unit();
      const char* status = s < 0.90 ? "confirmed" : s < 0.95 ? "tentative" : s < 0.98 ? "cancelled" : "postponed";
      const char* title = r.chance(0.1) ? "Special meeting" : "Regular meeting";
      const std::string location = fmt::format("{} City Hall, Room {}", group.place, r.between(100, 450));
      const std::int64_t created_at = start - r.between(1, 30) * kDay, updated_at = start - r.between(0, 1) * kDay;
      db.query(
            "INSERT INTO meeting (id, group_id, body_id, title, starts_at, ends_at, timezone, location, "
            "remote_url, agenda_url, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            id, static_cast<std::int64_t>(g) + 1, group.body_ids[b], title, starts, ends, group.zone, location,
            group.body_remote[b] ? fmt::format("https://meet.example.org/m/{}", id) : std::string(),
            fmt::format("https://agendas.example.org/{}", id), status, created_at, updated_at)
          .run();
      meetings.push_back({starts, ends, g});
      ++t.meetings;

      std::vector<std::int64_t> items;
      for (std::int64_t k = 0, n = r.between(0, 4); k < n; ++k) {
        const std::string number = fmt::format("{}.{}", r.between(3, 9), k + 1);
        const std::string& item_title = r.pick(kAgendaTitles);
        const std::string matter = fmt::format("2026-{:04}", r.between(1, 9999));
        const char* stance = r.pick(stances);
        db.query(
              "INSERT INTO agenda_item (meeting_id, number, title, matter, stance, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
              id, number, item_title, matter, stance, start, start)
            .run();
        items.push_back(db.last_insert_rowid());
        ++t.agenda_items;
      }

      // A turnout slot for the crowd, an interpreter and a notetaker when
      // the meeting has room for them, and speakers for the rest.
      const std::int64_t n = slots_per_meeting[static_cast<std::size_t>(i)];
      for (std::int64_t k = 0; k < n; ++k) {
        std::string role = "speaker", mode = "in_person", language;
        std::int64_t capacity = 1, minutes = group.body_minutes[b];
        std::optional<std::int64_t> item;
        if (k == 0 && n >= 3) {
          role = "turnout", capacity = rs.between(10, 40), minutes = 0;
        } else if (k == 1 && n >= 5) {
          role = "interpreter", language = "es", minutes = 0;
        } else if (k == 2 && n >= 8) {
          role = "notetaker", minutes = 0;
        } else {
          if (!items.empty() && rs.chance(0.7)) item = items[static_cast<std::size_t>(rs.below(std::ssize(items)))];
          double m = rs.unit();
          if (m < 0.1)
            mode = "written", minutes = 0;
          else if (m < 0.4 && group.body_remote[b])
            mode = "remote";
          if (rs.chance(0.05)) language = "es";
        }
        // Explicit ids: the assignments below name slots by their index + 1.
        db.query(
              "INSERT INTO slot (id, meeting_id, agenda_item_id, role, \"order\", minutes, mode, language, capacity, "
              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              std::ssize(slots) + 1, id, item, role, k, minutes, mode, language, capacity, start, start)
            .run();
        slots.push_back({static_cast<std::uint32_t>(i), role == "speaker"});
        capacities.push_back(capacity);
        ++t.slots;
      }
    });
  }

  // Every place on every slot, in random order: sign-ups arrive scattered
  // over the network. Each goes to a volunteer of the meeting's group who is
  // not yet on this meeting nor on any meeting that overlaps it (cancelled
  // ones included, which is stricter than the store asks).
  {
    Random r(o.seed, Stream::assignments);
    std::vector<std::uint32_t> places;
    for (std::size_t s = 0; s < slots.size(); ++s)
      places.insert(places.end(), static_cast<std::size_t>(capacities[s]), static_cast<std::uint32_t>(s));
    r.shuffle(places);
    // The meetings each volunteer is on, by volunteer id.
    std::vector<std::vector<std::uint32_t>> held(static_cast<std::size_t>(n_volunteers) + 1);
    auto free_at = [&](std::int64_t volunteer, const Meeting& m) {
      for (std::uint32_t other : held[static_cast<std::size_t>(volunteer)]) {
        const Meeting& x = meetings[other];
        if (x.starts_at < m.ends_at && x.ends_at > m.starts_at) return false;
      }
      return true;
    };
    static const std::vector<const char*> stances = {"support", "oppose", "neutral"};
    std::size_t next_place = 0;
    in_batches(db, n_assignments, 100'000, [&](std::int64_t) {
      // Draw places until one finds a free volunteer; few ever need a second.
      while (next_place < places.size()) {
        const std::uint32_t s = places[next_place++];
        const std::uint32_t mi = slots[s].meeting;
        const Meeting& m = meetings[mi];
        const Group& group = groups[m.group];
        if (group.volunteers == 0) continue;
        std::int64_t volunteer = 0;
        for (int attempt = 0; attempt < 8 && volunteer == 0; ++attempt) {
          std::int64_t v = group.first_volunteer + r.below(group.volunteers);
          if (free_at(v, m)) volunteer = v;
        }
        if (volunteer == 0) continue;
        held[static_cast<std::size_t>(volunteer)].push_back(mi);
        double u = r.unit();
        const char* status = u < 0.35 ? "invited" : u < 0.90 ? "confirmed" : u < 0.95 ? "declined" : "cancelled";
        std::optional<std::string> stance;
        if (slots[s].speaker && r.chance(0.6)) stance = r.pick(stances);
        const std::int64_t at = start - r.between(0, 20) * kDay;
        const char* interpreter = r.chance(0.03) ? "es" : "";
        db.query(
              "INSERT INTO assignment (slot_id, volunteer_id, status, stance, needs_interpreter, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              static_cast<std::int64_t>(s) + 1, volunteer, status, stance, interpreter, at, at)
            .run();
        ++t.assignments;
        if (u < 0.90) ++t.holding_place;
        return;
      }
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (fs::exists(o.db)) {
    fmt::print(stderr, "turnout-gen-network: {} exists already; give a new path\n", o.db.string());
    return 2;
  }
  const std::int64_t start =
      o.start.value_or((std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + std::chrono::days{1})
                           .time_since_epoch()
                           .count() *
                       kDay);
  Totals t;
  const auto began = std::chrono::steady_clock::now();
  try {
    Database db(o.db);
    turnout::store::migrate(db);
    // A bigger page cache keeps the indexes in memory while a million rows
    // go in. A rollback journal skips pages the file did not have yet, where
    // WAL would write every new page twice and then free a WAL as large as
    // the data set (on a disk mounted with discard, that trims for seconds
    // and slows the fsyncs of whatever runs next).
    db.exec("PRAGMA cache_size = -262144; PRAGMA journal_mode = DELETE");
    generate(o, db, start, t);
    db.exec("PRAGMA journal_mode = WAL");  // as turnoutd keeps it
  } catch (const std::exception& e) {
    fmt::print(stderr, "turnout-gen-network: {}\n", e.what());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::uintmax_t bytes = fs::file_size(o.db);
  if (fs::path wal = o.db.string() + "-wal"; fs::exists(wal)) bytes += fs::file_size(wal);

  fmt::print("generate.seed {}\n", o.seed);
  fmt::print("generate.scale {}\n", o.scale);
  fmt::print("generate.start_unix {}\n", start);
  fmt::print("generate.groups {}\n", t.groups);
  fmt::print("generate.bodies {}\n", t.bodies);
  fmt::print("generate.volunteers {}\n", t.volunteers);
  fmt::print("generate.volunteer_tags {}\n", t.volunteer_tags);
  fmt::print("generate.meetings {}\n", t.meetings);
  fmt::print("generate.agenda_items {}\n", t.agenda_items);
  fmt::print("generate.slots {}\n", t.slots);
  fmt::print("generate.assignments {}\n", t.assignments);
  fmt::print("generate.assignments_holding_place {}\n", t.holding_place);
  fmt::print("generate.seconds {:.2f}\n", seconds);
  fmt::print("generate.db_bytes {}\n", bytes);
  return 0;
}
