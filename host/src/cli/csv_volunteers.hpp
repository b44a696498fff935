// Volunteers in and out as CSV (RFC 4180, parsed with libcsv).
//
// Columns: name, phone, email, language, timezone, tags (separated by ;),
// sms_opt_in, email_opt_in, notes. Only name is required; any other column
// may be left out. Unknown columns are refused. A file with any bad row is
// refused whole: nothing is imported, and every bad line is named.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/context.hpp"

namespace turnout::cli {

class CsvImportError : public std::runtime_error {
 public:
  explicit CsvImportError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }
 private:
  std::vector<std::string> problems_;
};

// Reads the whole file, checks every row, then writes all rows in one
// transaction. Returns how many were imported.
std::size_t import_volunteers_csv(const store::Context& ctx, const domain::Group& group, std::string_view csv_text);

// Writes the group's volunteers with the same columns, so the file imports back.
void export_volunteers_csv(store::Database& db, const domain::Group& group, std::ostream& out);

const std::vector<std::string>& volunteer_csv_columns();

}  // namespace turnout::cli
