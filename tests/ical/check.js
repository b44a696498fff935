// Parses each .ics file named on the command line with Mozilla's ical.js
// and prints what it read, as JSON, for tests/integration/test_feeds.py to
// compare with what was stored. Exits 1 on the first file it cannot parse.
"use strict";
const fs = require("fs");
const ICAL = require("ical.js");

const out = {};
for (const file of process.argv.slice(2)) {
  try {
    const root = new ICAL.Component(ICAL.parse(fs.readFileSync(file, "utf8")));
    const calendar = {
      name: root.getFirstPropertyValue("x-wr-calname"),
      method: root.getFirstPropertyValue("method"),
      events: [],
    };
    for (const vevent of root.getAllSubcomponents("vevent")) {
      const event = new ICAL.Event(vevent);
      calendar.events.push({
        uid: event.uid,
        summary: event.summary,
        description: event.description,
        location: event.location,
        status: vevent.getFirstPropertyValue("status"),
        sequence: event.sequence,
        start: event.startDate.toUnixTime(),
        end: event.endDate.toUnixTime(),
        alarms: vevent.getAllSubcomponents("valarm").length,
      });
    }
    out[file] = calendar;
  } catch (e) {
    process.stderr.write(`${file}: ${e}\n`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(out));
