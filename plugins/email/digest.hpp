// What the email plugin says: the volunteer's weekly digest, the
// coordinators' digest and the immediate notices, from Mustache templates
// in English and Spanish that a group may override.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <turnout/plugin.hpp>

#include "mime.hpp"

namespace turnout::email {

namespace sdk = turnout::plugin;

// Writes a time for a person (Host::local_time in the plugin).
using TimeFormat = std::function<std::string(std::int64_t at, const std::string& timezone,
                                             const std::string& language, sdk::TimeStyle style)>;

// The built-in templates, and a folder of overrides:
//   DIR/<group slug>/<language>/<name>.<part>.mustache   (one group)
//   DIR/<language>/<name>.<part>.mustache                (every group)
// with name one of volunteer_digest, coordinator_digest, meeting_cancelled, meeting_postponed,
// meeting_moved, assignment_confirmed and part one of subject, txt, html.
class Templates {
 public:
  explicit Templates(std::optional<std::filesystem::path> overrides = std::nullopt);
  // The template text; "es-MX" falls back to "es", other languages to "en".
  const std::string& get(const std::string& group_slug, const std::string& language, const std::string& name,
                         const std::string& part) const;
  static std::string language_of(const std::string& language);  // "en" or "es"

 private:
  std::map<std::string, std::string> overrides_;  // "slug/lang/name.part" or "lang/name.part"
};

// One open place a volunteer could take.
struct OpenSlot {
  sdk::MeetingView meeting;
  sdk::SlotView slot;
  std::optional<sdk::AgendaItemView> agenda_item;
};

struct Links {
  std::string calendar;     // where the volunteer gets a calendar link
  std::string unsubscribe;  // the signed one-click link (GET shows a page)
};

// Whether this open slot suits the volunteer: a role among their tags
// ("speaker", "interpreter:es" for an interpreter slot in Spanish), or
// turnout, which anyone can fill; and a language they speak, when the slot
// has one.
bool suits(const sdk::VolunteerView& v, const sdk::SlotView& slot);

Mail volunteer_digest(const Templates& t, const TimeFormat& fmt, const sdk::GroupView& group,
                      const sdk::VolunteerView& volunteer, const std::vector<sdk::AssignmentView>& assignments,
                      const std::vector<OpenSlot>& open, const Links& links, std::int64_t now);

struct CoordinatorDigestData {
  std::vector<OpenSlot> unfilled;                         // next 14 days
  std::vector<std::pair<sdk::MeetingView, sdk::DeadlineView>> deadlines;  // next 72 hours
  std::vector<sdk::AssignmentView> interpreter_requests;  // needs an interpreter, request due soon
  std::vector<sdk::AssignmentView> no_shows;              // last 7 days
  int failed_messages = 0;
};

Mail coordinator_digest(const Templates& t, const TimeFormat& fmt, const sdk::GroupView& group,
                        const std::string& name, const std::string& language, const CoordinatorDigestData& data);

// A notice about one meeting: "meeting_cancelled", "meeting_moved" or
// "assignment_confirmed" (which gets the event as an .ics attachment when
// `ics` is not empty).
Mail notice(const Templates& t, const TimeFormat& fmt, const std::string& kind, const sdk::GroupView& group,
            const sdk::VolunteerView& volunteer, const sdk::AssignmentView& assignment, const Links& links,
            std::int64_t now, const std::string& ics = {});

// A message the host planned (reminder, confirmation_request,
// meeting_cancelled, meeting_moved, deadline, coordinator_notice), worded
// from the template of the same name in the intent's language and zone. A
// kind email does not carry (answers to a text: help, opt_out_confirmation,
// ...) throws MailError. `to`, when the intent names no volunteer, is left
// empty: the sender adds it.
//
// A group's own template (intent.template_override, set in the UI) replaces
// the text part; the HTML part is that text, escaped, in the same layout,
// its links made clickable. The subject stays the plugin's.
Mail intent_mail(const Templates& t, const TimeFormat& fmt, const sdk::MessageIntent& intent, const Links& links,
                 std::int64_t now);

// What a group may word for itself (ChannelSpec::templates): the text part
// of each kind intent_mail() sends, in English and Spanish, as `t` has it.
std::vector<sdk::ChannelTemplate> group_templates(const Templates& t);
// The names intent_mail() fills in, for those templates.
const std::vector<std::string>& group_template_variables();

// Plain text as the HTML part's content: escaped, a paragraph per blank
// line, line breaks kept, http(s) links made clickable.
std::string text_as_html(const std::string& text);
std::string kind_name(sdk::MessageKind kind);

}  // namespace turnout::email
