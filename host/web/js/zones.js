// Wall-clock times in a meeting's own zone, for the forms: a coordinator
// types 18:00 in the body's zone, whatever zone their laptop is in.

function offsetMinutes(date, timeZone) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(date)) parts[p.type] = p.value;
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return Math.round((asUtc - date.getTime()) / 60000);
}

// "2026-03-10T18:00" in `timeZone` → "2026-03-11T02:00:00Z"
export function wallToIso(wall, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(wall || '');
  if (!m) return null;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let ts = guess - offsetMinutes(new Date(guess), timeZone) * 60000;
  const second = offsetMinutes(new Date(ts), timeZone);
  ts = guess - second * 60000;
  return new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// An RFC 3339 time → "2026-03-10T18:00" in `timeZone`, for datetime-local.
export function isoToWall(iso, timeZone) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(iso))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
