#include "store/volunteers.hpp"

#include <fmt/format.h>

#include "security/secrets.hpp"
#include "store/journal.hpp"

namespace turnout::store {
namespace {

constexpr const char* kColumns =
    "v.id, v.group_id, v.name, v.phone, v.email, v.language, v.timezone, v.sms_opt_in, v.email_opt_in, "
    "v.opted_out_at, v.notes, v.created_at, v.updated_at, "
    "(SELECT group_concat(tag, ';') FROM (SELECT tag FROM volunteer_tag t WHERE t.volunteer_id = v.id ORDER BY tag))";

std::vector<std::string> split_tags(const std::string& joined) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < joined.size()) {
    auto end = joined.find(';', start);
    if (end == std::string::npos) end = joined.size();
    if (end > start) out.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

domain::Volunteer read_volunteer(const Query& q) {
  domain::Volunteer v;
  v.id = q.int64(0);
  v.group_id = q.int64(1);
  v.name = q.text(2);
  v.phone = q.optional_text(3);
  v.email = q.optional_text(4);
  v.language = q.text(5);
  v.timezone = q.text(6);
  v.sms_opt_in = q.boolean(7);
  v.email_opt_in = q.boolean(8);
  if (auto t = q.optional_int64(9)) v.opted_out_at = to_time(*t);
  v.notes = q.text(10);
  v.created_at = to_time(q.int64(11));
  v.updated_at = to_time(q.int64(12));
  v.tags = split_tags(q.text(13));
  return v;
}

// Which unique index a constraint error came from, in words a person can act on.
Error duplicate_error(const DatabaseError& e) {
  std::string what = e.what();
  if (what.find("phone") != std::string::npos)
    return Error(ErrorCode::conflict, "another volunteer of this group has this phone number", "phone");
  if (what.find("email") != std::string::npos)
    return Error(ErrorCode::conflict, "another volunteer of this group has this email address", "email");
  return Error(ErrorCode::conflict, "this volunteer conflicts with another");
}

void write_tags(Database& db, domain::Id id, const std::vector<std::string>& tags) {
  db.query("DELETE FROM volunteer_tag WHERE volunteer_id = ?", id).run();
  for (const auto& tag : tags) db.query("INSERT INTO volunteer_tag (volunteer_id, tag) VALUES (?, ?)", id, tag).run();
}

domain::Volunteer insert_volunteer(const Context& ctx, domain::Volunteer v) {
  try {
    ctx.db
        .query(
            "INSERT INTO volunteer (group_id, name, phone, email, language, timezone, sms_opt_in, email_opt_in, notes, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            v.group_id, v.name, v.phone, v.email, v.language, v.timezone, v.sms_opt_in, v.email_opt_in, v.notes,
            ctx.now(), ctx.now())
        .run();
  } catch (const DatabaseError& e) {
    if (e.is_constraint()) throw duplicate_error(e);
    throw;
  }
  v.id = ctx.db.last_insert_rowid();
  v.created_at = v.updated_at = to_time(ctx.now());
  write_tags(ctx.db, v.id, v.tags);
  audit(ctx, v.group_id, "volunteer.created", "volunteer", v.id);
  record_event(ctx, v.group_id, "volunteer.created", "volunteer", v.id);
  return v;
}

}  // namespace

domain::Volunteer create_volunteer(const Context& ctx, const domain::Group& group, const domain::VolunteerDraft& draft) {
  domain::Volunteer v = domain::validate_volunteer(draft, group);
  return ctx.db.write([&] { return insert_volunteer(ctx, std::move(v)); });
}

std::vector<domain::Volunteer> create_volunteers(const Context& ctx, const domain::Group& group,
                                                 const std::vector<domain::Volunteer>& volunteers) {
  return ctx.db.write([&] {
    std::vector<domain::Volunteer> out;
    out.reserve(volunteers.size());
    for (std::size_t i = 0; i < volunteers.size(); ++i) {
      domain::Volunteer v = volunteers[i];
      v.group_id = group.id;
      try {
        out.push_back(insert_volunteer(ctx, std::move(v)));
      } catch (const Error& e) {
        throw BatchError(i, e);
      }
    }
    return out;
  });
}

domain::Volunteer get_volunteer(Database& db, domain::Id group_id, domain::Id id) {
  auto q = db.query(fmt::format("SELECT {} FROM volunteer v WHERE v.id = ? AND v.group_id = ?", kColumns), id, group_id);
  if (!q.step()) throw not_found("volunteer");
  return read_volunteer(q);
}

domain::Volunteer update_volunteer(const Context& ctx, const domain::Group& group, domain::Id id,
                                   const domain::VolunteerDraft& draft) {
  return ctx.db.write([&] {
    domain::Volunteer v = get_volunteer(ctx.db, group.id, id);
    domain::apply_volunteer(v, draft, group);
    try {
      ctx.db
          .query(
              "UPDATE volunteer SET name = ?, phone = ?, email = ?, language = ?, timezone = ?, sms_opt_in = ?, "
              "email_opt_in = ?, notes = ?, updated_at = ? WHERE id = ?",
              v.name, v.phone, v.email, v.language, v.timezone, v.sms_opt_in, v.email_opt_in, v.notes, ctx.now(), v.id)
          .run();
    } catch (const DatabaseError& e) {
      if (e.is_constraint()) throw duplicate_error(e);
      throw;
    }
    if (draft.tags) write_tags(ctx.db, v.id, v.tags);
    v.updated_at = to_time(ctx.now());
    audit(ctx, group.id, "volunteer.updated", "volunteer", v.id);
    record_event(ctx, group.id, "volunteer.updated", "volunteer", v.id);
    return v;
  });
}

std::vector<domain::Volunteer> list_volunteers(Database& db, domain::Id group_id, const VolunteerFilter& f) {
  std::vector<domain::Volunteer> out;
  auto q = db.query(fmt::format("SELECT {} FROM volunteer v WHERE v.group_id = ?1 AND v.id > ?2 "
                                "AND (?3 = '' OR instr(lower(v.name), lower(?3)) > 0) "
                                "AND (?4 = '' OR EXISTS (SELECT 1 FROM volunteer_tag t WHERE t.volunteer_id = v.id "
                                "AND t.tag = ?4)) ORDER BY v.id LIMIT ?5",
                                kColumns),
                    group_id, f.after_id, f.q, f.tag, std::clamp(f.limit, 1, 100000));
  while (q.step()) out.push_back(read_volunteer(q));
  return out;
}

void erase_volunteer(const Context& ctx, domain::Id group_id, domain::Id id) {
  ctx.db.write([&] {
    get_volunteer(ctx.db, group_id, id);
    ctx.db
        .query(
            "UPDATE outbox_message SET status = CASE WHEN status IN ('pending', 'sending') THEN 'cancelled' ELSE status "
            "END, recipient = '', subject = '', body = '', updated_at = ? WHERE volunteer_id = ?",
            ctx.now(), id)
        .run();
    // Places on meetings still ahead go back to the pool; the past stays as
    // it happened, so "how many spoke" keeps its count.
    ctx.db
        .query(
            "UPDATE assignment SET status = 'cancelled', join_url = '', updated_at = ?1 WHERE volunteer_id = ?2 "
            "AND status IN ('invited', 'confirmed') AND slot_id IN (SELECT s.id FROM slot s JOIN meeting m ON "
            "m.id = s.meeting_id WHERE m.ends_at > ?1)",
            ctx.now(), id)
        .run();
    ctx.db.query("UPDATE assignment SET join_url = '' WHERE volunteer_id = ?", id).run();
    ctx.db.query("DELETE FROM volunteer WHERE id = ?", id).run();
    audit(ctx, group_id, "volunteer.erased", "volunteer", id);
    record_event(ctx, group_id, "volunteer.erased", "volunteer", id);
  });
  // Old page images can linger in the WAL until a checkpoint copies them
  // back; do it once this commits, so the erased data leaves the disk as
  // soon as it can. (Inside a batch, that is after the whole batch.)
  ctx.db.after_commit([&db = ctx.db] {
    try {
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const DatabaseError&) {
      // A busy reader postpones it to the next automatic checkpoint.
    }
  });
}

void unsubscribe(const Context& ctx, domain::Id group_id, domain::Id id, std::string_view channel) {
  const char* column = channel == "email" ? "email_opt_in" : channel == "sms" ? "sms_opt_in" : nullptr;
  if (!column) throw invalid("channel", "a channel is email or sms");
  ctx.db.write([&] {
    auto v = get_volunteer(ctx.db, group_id, id);
    bool was_in = channel == "email" ? v.email_opt_in : v.sms_opt_in;
    ctx.db.query(fmt::format("UPDATE volunteer SET {} = 0, updated_at = ? WHERE id = ?", column), ctx.now(), id).run();
    // What waits for them on that channel never goes; what went stays as it was.
    ctx.db
        .query("UPDATE outbox_message SET status = 'suppressed', updated_at = ? WHERE volunteer_id = ? "
               "AND channel = ? AND status = 'pending'",
               ctx.now(), id, channel)
        .run();
    const int suppressed = ctx.db.changes();
    if (!was_in && suppressed == 0) return;  // already so: nothing to record
    audit(ctx, group_id, "volunteer.unsubscribed", "volunteer", id, {{"channel", channel}, {"suppressed", suppressed}});
    record_event(ctx, group_id, "volunteer.updated", "volunteer", id, {{"unsubscribed", channel}});
  });
}

std::string rotate_feed_token(const Context& ctx, domain::Id group_id, domain::Id id) {
  std::string token = security::new_token("fd_");
  std::string hash = security::hash_token(token);
  ctx.db.write([&] {
    get_volunteer(ctx.db, group_id, id);
    ctx.db
        .query("UPDATE volunteer SET feed_token_hash = ?, updated_at = ? WHERE id = ?",
               Blob(reinterpret_cast<const unsigned char*>(hash.data()), hash.size()), ctx.now(), id)
        .run();
    audit(ctx, group_id, "volunteer.feed_token_rotated", "volunteer", id);
    record_event(ctx, group_id, "volunteer.feed_token_rotated", "volunteer", id);
  });
  return token;
}

std::optional<domain::Volunteer> find_volunteer_by_phone(Database& db, domain::Id group_id, std::string_view phone) {
  auto q = db.query(fmt::format("SELECT {} FROM volunteer v WHERE v.group_id = ? AND v.phone = ?", kColumns), group_id,
                    phone);
  if (!q.step()) return std::nullopt;
  return read_volunteer(q);
}

std::optional<domain::Volunteer> find_volunteer_by_email(Database& db, domain::Id group_id, std::string_view email) {
  auto q = db.query(fmt::format("SELECT {} FROM volunteer v WHERE v.group_id = ? AND v.email = ?", kColumns), group_id,
                    email);
  if (!q.step()) return std::nullopt;
  return read_volunteer(q);
}

std::optional<domain::Volunteer> find_volunteer_by_feed_token(Database& db, std::string_view token) {
  std::string hash = security::hash_token(token);
  auto q = db.query(fmt::format("SELECT {} FROM volunteer v WHERE v.feed_token_hash = ?", kColumns),
                    Blob(reinterpret_cast<const unsigned char*>(hash.data()), hash.size()));
  if (!q.step()) return std::nullopt;
  return read_volunteer(q);
}

std::string rotate_manage_token(const Context& ctx, domain::Id group_id, domain::Id id) {
  std::string token = security::new_token("mg_");
  std::string hash = security::hash_token(token);
  ctx.db.write([&] {
    get_volunteer(ctx.db, group_id, id);
    ctx.db
        .query("UPDATE volunteer SET manage_token_hash = ?, updated_at = ? WHERE id = ?",
               Blob(reinterpret_cast<const unsigned char*>(hash.data()), hash.size()), ctx.now(), id)
        .run();
    audit(ctx, group_id, "volunteer.manage_token_rotated", "volunteer", id);
  });
  return token;
}

std::optional<domain::Volunteer> find_volunteer_by_manage_token(Database& db, std::string_view token) {
  // Only tokens of our own shape get as far as a query.
  if (!token.starts_with("mg_") || token.size() > 64) return std::nullopt;
  std::string hash = security::hash_token(token);
  auto q = db.query(fmt::format("SELECT {} FROM volunteer v WHERE v.manage_token_hash = ?", kColumns),
                    Blob(reinterpret_cast<const unsigned char*>(hash.data()), hash.size()));
  if (!q.step()) return std::nullopt;
  return read_volunteer(q);
}

}  // namespace turnout::store
