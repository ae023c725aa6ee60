// Expands every event of a calendar file with Mozilla's ical.js, recurring ones with their
// RRULE, EXDATEs and RECURRENCE-ID overrides, and prints the start and end instants per UID.
// Usage: node icaljs_expand.mjs <path to ical.js's dist/ical.js> <file.ics> <until, ISO UTC>
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modulePath, icsPath, untilText] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(modulePath).href)).default;
const calendar = new ICAL.Component(ICAL.parse(readFileSync(icsPath, "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const until = Date.parse(untilText);
const iso = (time) => new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
const OPTIONS = { strictExceptions: true, exceptions: [] };
const masters = new Map();
const overrides = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  if (vevent.hasProperty("recurrence-id")) overrides.push(vevent);
  // Without `exceptions` ical.js relates every override in the file to every master,
  // whatever its UID (Thunderbird groups them by UID first): so do we.
  else masters.set(vevent.getFirstPropertyValue("uid"), new ICAL.Event(vevent, OPTIONS));
}
for (const vevent of overrides) {
  const uid = vevent.getFirstPropertyValue("uid");
  const master = masters.get(uid);
  if (master) master.relateException(new ICAL.Event(vevent));
  else masters.set(uid, new ICAL.Event(vevent, OPTIONS)); // a lone override (a cancellation)
}
const result = {};
for (const [uid, event] of masters) {
  const found = [];
  if (event.isRecurring()) {
    const iterator = event.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) {
      if (next.toUnixTime() * 1000 > until) break;
      const details = event.getOccurrenceDetails(next);
      found.push({ start: iso(details.startDate), end: iso(details.endDate) });
    }
  } else {
    found.push({ start: iso(event.startDate), end: iso(event.endDate) });
  }
  result[uid] = found;
}
process.stdout.write(JSON.stringify(result));
