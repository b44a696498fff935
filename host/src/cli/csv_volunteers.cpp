#include "cli/csv_volunteers.hpp"

#include <csv.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>

#include "domain/drafts.hpp"
#include "domain/error.hpp"
#include "store/volunteers.hpp"

namespace turnout::cli {
namespace {

constexpr std::size_t kMaxProblemsShown = 20;

struct Row {
  std::size_t line = 0;  // where the record starts, counting from 1
  std::vector<std::string> fields;
};

// libcsv hands over fields and record ends through callbacks; this collects
// them with the line each record started on.
struct Collector {
  std::vector<Row> rows;
  Row current;
  bool in_record = false;
  std::size_t line = 1;

  static void on_field(void* data, std::size_t len, void* self_ptr) {
    auto* self = static_cast<Collector*>(self_ptr);
    if (!self->in_record) {
      self->current = Row{self->line, {}};
      self->in_record = true;
    }
    self->current.fields.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
  }
  static void on_record(int, void* self_ptr) {
    auto* self = static_cast<Collector*>(self_ptr);
    if (!self->in_record) return;
    self->rows.push_back(std::move(self->current));
    self->in_record = false;
  }
};

std::vector<Row> parse_csv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // spreadsheets add a BOM
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) throw std::runtime_error("csv: out of memory");
  // Spreadsheets in Spanish locales save with ';' between fields.
  auto header_end = text.find('\n');
  std::string_view header = text.substr(0, header_end);
  if (header.find(',') == std::string_view::npos && header.find(';') != std::string_view::npos)
    csv_set_delim(&parser, ';');
  Collector collector;
  std::size_t pos = 0;
  bool failed = false;
  // Feed line by line so every record knows the line it starts on.
  while (pos < text.size() && !failed) {
    auto end = text.find('\n', pos);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view chunk = text.substr(pos, end - pos);
    if (csv_parse(&parser, chunk.data(), chunk.size(), Collector::on_field, Collector::on_record, &collector) !=
        chunk.size())
      failed = true;
    else
      ++collector.line;
    pos = end;
  }
  if (!failed && csv_fini(&parser, Collector::on_field, Collector::on_record, &collector) != 0) failed = true;
  std::string why = failed ? csv_strerror(csv_error(&parser)) : "";
  csv_free(&parser);
  if (failed)
    throw CsvImportError({fmt::format("line {}: {} (a quote is not closed, or stray text follows one)",
                                      std::min(collector.line, static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n') + 1)),
                                      why)});
  return collector.rows;
}

std::optional<bool> parse_bool(const std::string& raw, const std::string& column, std::size_t line,
                               std::vector<std::string>& problems) {
  std::string v;
  for (char c : raw) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v.empty()) return std::nullopt;
  if (v == "true" || v == "yes" || v == "y" || v == "1" || v == "si" || v == "s\xc3\xad") return true;
  if (v == "false" || v == "no" || v == "n" || v == "0") return false;
  problems.push_back(fmt::format("line {}: {}: write true or false (yes/no, sí/no, 1/0)", line, column));
  return std::nullopt;
}

std::vector<std::string> split_tags(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string csv_field(std::string_view value) {
  std::string out(value.size() * 2 + 2, '\0');
  out.resize(csv_write(out.data(), out.size(), value.data(), value.size()));
  return out;
}

}  // namespace

CsvImportError::CsvImportError(std::vector<std::string> problems)
    : std::runtime_error(problems.empty() ? "the file was refused" : problems.front()), problems_(std::move(problems)) {}

const std::vector<std::string>& volunteer_csv_columns() {
  static const std::vector<std::string> columns{"name",   "phone",      "email",        "language", "timezone",
                                                "tags",   "sms_opt_in", "email_opt_in", "notes"};
  return columns;
}

std::size_t import_volunteers_csv(const store::Context& ctx, const domain::Group& group, std::string_view text) {
  std::vector<Row> rows = parse_csv(text);
  if (rows.empty()) throw CsvImportError({"line 1: the file is empty; the first line names the columns"});
  const Row& header = rows.front();
  std::map<std::string, std::size_t> column_of;
  std::vector<std::string> problems;
  const auto& known = volunteer_csv_columns();
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = header.fields[i];
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(known.begin(), known.end(), name) == known.end())
      problems.push_back(fmt::format("line {}: unknown column \"{}\"; the columns are {}", header.line, header.fields[i],
                                     fmt::join(known, ", ")));
    else if (!column_of.emplace(name, i).second)
      problems.push_back(fmt::format("line {}: the column {} appears twice", header.line, name));
  }
  if (!column_of.contains("name")) problems.push_back(fmt::format("line {}: a name column is required", header.line));
  if (!problems.empty()) throw CsvImportError(problems);

  std::vector<domain::Volunteer> volunteers;
  std::vector<std::size_t> lines;
  std::map<std::string, std::size_t> seen_phone, seen_email;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (row.fields.size() != header.fields.size()) {
      problems.push_back(fmt::format("line {}: {} fields where the header has {}", row.line, row.fields.size(),
                                     header.fields.size()));
      continue;
    }
    auto cell = [&](const char* column) -> std::optional<std::string> {
      auto it = column_of.find(column);
      if (it == column_of.end()) return std::nullopt;
      return row.fields[it->second];
    };
    domain::VolunteerDraft d;
    d.name = cell("name");
    d.phone = cell("phone");
    d.email = cell("email");
    d.notes = cell("notes");
    if (auto v = cell("language"); v && !v->empty()) d.language = v;
    if (auto v = cell("timezone"); v && !v->empty()) d.timezone = v;
    if (auto v = cell("tags")) d.tags = split_tags(*v);
    std::size_t before = problems.size();
    if (auto v = cell("sms_opt_in")) d.sms_opt_in = parse_bool(*v, "sms_opt_in", row.line, problems);
    if (auto v = cell("email_opt_in")) d.email_opt_in = parse_bool(*v, "email_opt_in", row.line, problems);
    if (problems.size() != before) continue;
    try {
      domain::Volunteer v = domain::validate_volunteer(d, group);
      if (v.phone) {
        auto [it, fresh] = seen_phone.emplace(*v.phone, row.line);
        if (!fresh) throw Error(ErrorCode::conflict, fmt::format("the same phone number as line {}", it->second), "phone");
      }
      if (v.email) {
        auto [it, fresh] = seen_email.emplace(*v.email, row.line);
        if (!fresh) throw Error(ErrorCode::conflict, fmt::format("the same email address as line {}", it->second), "email");
      }
      volunteers.push_back(std::move(v));
      lines.push_back(row.line);
    } catch (const Error& e) {
      problems.push_back(fmt::format("line {}: {}: {}", row.line, e.field().empty() ? "row" : e.field(), e.what()));
    }
  }
  if (!problems.empty()) {
    if (problems.size() > kMaxProblemsShown) {
      std::size_t more = problems.size() - kMaxProblemsShown;
      problems.resize(kMaxProblemsShown);
      problems.push_back(fmt::format("… and {} more", more));
    }
    throw CsvImportError(problems);
  }
  try {
    store::create_volunteers(ctx, group, volunteers);
  } catch (const store::BatchError& e) {
    throw CsvImportError({fmt::format("line {}: {}: {}", lines.at(e.index()), e.field().empty() ? "row" : e.field(),
                                      e.what())});
  }
  return volunteers.size();
}

void export_volunteers_csv(store::Database& db, const domain::Group& group, std::ostream& out) {
  const auto& columns = volunteer_csv_columns();
  for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
  out << "\r\n";
  store::VolunteerFilter filter;
  filter.limit = 1000;
  db.read([&] {
    for (;;) {
      auto page = store::list_volunteers(db, group.id, filter);
      for (const auto& v : page) {
        std::string tags = fmt::format("{}", fmt::join(v.tags, ";"));
        const std::string fields[] = {v.name,     v.phone.value_or(""),           v.email.value_or(""),
                                      v.language, v.timezone,                     tags,
                                      v.sms_opt_in ? "true" : "false", v.email_opt_in ? "true" : "false", v.notes};
        for (std::size_t i = 0; i < std::size(fields); ++i) out << (i ? "," : "") << csv_field(fields[i]);
        out << "\r\n";
      }
      if (page.size() < static_cast<std::size_t>(filter.limit)) break;
      filter.after_id = page.back().id;
    }
  });
}

}  // namespace turnout::cli
