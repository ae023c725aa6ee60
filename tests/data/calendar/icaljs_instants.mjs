// Reads a calendar file with Mozilla's ical.js and prints each VEVENT's start and end instant.
// Usage: node icaljs_instants.mjs <path to ical.js's dist/ical.js> <file.ics>
// ical.js has no time-zone database: a TZID means only what the file's VTIMEZONE says.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modulePath, icsPath] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(modulePath).href)).default;
const calendar = new ICAL.Component(ICAL.parse(readFileSync(icsPath, "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const iso = (time) => new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
const result = {};
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  result[event.uid] = {
    start: iso(event.startDate),
    end: iso(event.endDate),
    tzid: event.startDate.zone.tzid,
  };
}
process.stdout.write(JSON.stringify(result));
