"use strict";
// The live page. One EventSource on /events/stream with this page's filters: the worker
// sends the latest state of each event, then every new version. A version updates its
// event's card in place (same element, new sources highlighted); the map and the timeline
// are redrawn from the latest states. No external tiles or scripts: the land on the map
// is drawn from the worker's own list of towns (/ui/towns.json).

const SVG_NS = "http://www.w3.org/2000/svg";
const MAP_W = 720, MAP_H = 360, TIMELINE_W = 720, TIMELINE_LANES = 10, LANE_H = 14;
const WORLD = { west: -180, east: 180, south: -90, north: 90 };
const DAY_MS = 86400000;
const FILTER_NAMES = ["type", "entity", "place", "country", "certainty", "min_sources", "since"];

const events = new Map(); // event id -> {event, node}
let land = { step: 0, cells: [] }; // from /ui/towns.json: grid cells with a town, [lat, lon, ...] in steps
let fitToEvents = true;
let redrawPending = false;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  for (const child of children) if (child !== null && child !== "") node.append(child);
  return node;
}

function svgEl(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attrs);
  for (const child of children) node.append(child);
  return node;
}

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
}

// --- how an event reads (as streams/render.py says it in a terminal) -----------------------

function placeText(location) {
  if (!location) return "place unknown";
  const name = location.canonical || location.reported;
  const parts = [name];
  if (location.admin1 && location.admin1 !== name) parts.push(location.admin1);
  if (location.country_code) parts.push(location.country_code);
  return parts.join(", ");
}

function timeText(time) {
  if (!time) return "time unknown";
  const span = time.start === time.end ? time.start : `${time.start} to ${time.end}`;
  return `${span} (${time.precision}, from “${time.text}”)`;
}

function casualtiesText(casualties) {
  const parts = Object.entries(casualties || {}).filter(([, count]) => count).map(([kind, count]) => `${kind} ${count}`);
  return parts.join(", ") || "none stated";
}

function actorsText(actors) {
  return actors.map((actor) => `${actor.name} (${actor.role})`).join(", ") || "none named";
}

function whatChanged(previous, event) {
  const changes = [];
  const aspects = [
    ["type", (e) => e.type], ["where", (e) => placeText(e.location)], ["when", (e) => timeText(e.time)],
    ["how sure", (e) => e.certainty], ["casualties", (e) => casualtiesText(e.casualties)],
  ];
  for (const [label, show] of aspects) {
    if (show(previous) !== show(event)) changes.push(`${label}: ${show(previous)} → ${show(event)}`);
  }
  const knownActors = new Set(previous.actors.map((actor) => actor.id));
  for (const actor of event.actors) if (!knownActors.has(actor.id)) changes.push(`new actor: ${actor.name}`);
  return changes;
}

function safeUrl(url) {
  return url && /^https?:\/\//i.test(url) ? url : null;
}

function renderCard(node, event, previous) {
  const known = new Set(previous ? previous.sources.map((source) => source.article_id) : []);
  const sources = event.sources.map((source) => {
    const isNew = previous !== null && !known.has(source.article_id);
    const url = safeUrl(source.url);
    return el("li", { class: isNew ? "source new" : "source", "data-article-id": source.article_id },
      el("strong", {}, source.outlet || source.article_id),
      isNew ? el("span", { class: "tag" }, "new source") : "",
      url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "link") : "",
      el("q", {}, source.sentence));
  });
  const conflicts = event.conflicts.map((conflict) => el("li", {},
    `reports disagree on ${conflict.field}: `
    + conflict.values.map((v) => `${v.value} (${v.article_ids.length})`).join(" vs ")));
  const changes = previous ? whatChanged(previous, event) : [];
  node.replaceChildren(
    el("header", {},
      el("span", { class: "type" }, event.type.replace(/_/g, " ")),
      el("span", { class: "version" }, `v${event.version}`),
      previous ? el("span", { class: "badge" }, "updated") : "",
      el("time", { datetime: event.last_updated_at }, `updated ${new Date(event.last_updated_at).toLocaleString()}`)),
    el("p", { class: "summary" }, event.summary),
    el("dl", {},
      el("dt", {}, "who"), el("dd", { class: "who" }, actorsText(event.actors)),
      el("dt", {}, "where"), el("dd", { class: "where" }, placeText(event.location)),
      el("dt", {}, "when"), el("dd", { class: "when" }, timeText(event.time)),
      el("dt", {}, "how sure"), el("dd", { class: "certainty" },
        event.certainty + (event.attributed_to.length ? ` (per ${event.attributed_to.join("; ")})` : "")),
      event.casualties ? el("dt", {}, "casualties") : "",
      event.casualties ? el("dd", { class: "casualties" }, casualtiesText(event.casualties)) : ""),
    el("p", { class: "sources-line" },
      el("span", { class: "source-count" }, String(event.num_sources)),
      ` outlet${event.num_sources === 1 ? "" : "s"}, `,
      el("span", { class: "article-count" }, String(event.num_articles)),
      ` report${event.num_articles === 1 ? "" : "s"}`),
    el("ul", { class: "sources" }, ...sources),
    conflicts.length ? el("ul", { class: "conflicts" }, ...conflicts) : "",
    changes.length ? el("ul", { class: "changes" }, ...changes.map((change) => el("li", {}, change))) : "");
  node.dataset.type = event.type;
  node.dataset.version = String(event.version);
  node.dataset.sources = String(event.num_sources);
  if (previous) {
    node.classList.remove("flash");
    void node.offsetWidth; // restart the highlight animation
    node.classList.add("flash");
  }
}

// A version newer than the one shown updates its card in place and moves it to the top;
// repeats and older versions (published at least once) are ignored.
function upsert(event) {
  const held = events.get(event.event_id);
  if (held && held.event.version >= event.version) return;
  const node = held ? held.node : el("article", { class: "event", id: event.event_id, "data-event-id": event.event_id });
  renderCard(node, event, held ? held.event : null);
  events.set(event.event_id, { event, node });
  document.getElementById("feed").prepend(node);
  scheduleRedraw();
}

function scheduleRedraw() {
  if (redrawPending) return;
  redrawPending = true;
  setTimeout(() => {
    redrawPending = false;
    const latest = [...events.values()].map((held) => held.event);
    document.getElementById("empty").hidden = latest.length > 0;
    document.getElementById("counts").textContent = `${latest.length} event${latest.length === 1 ? "" : "s"}`;
    drawMap(latest);
    drawTimeline(latest);
  }, 100);
}

function focusEvent(eventId) {
  const held = events.get(eventId);
  if (!held) return;
  held.node.scrollIntoView({ behavior: "smooth", block: "center" });
  held.node.classList.remove("flash");
  void held.node.offsetWidth;
  held.node.classList.add("flash");
}

// --- map: equirectangular, zoomed to the events unless the world is asked for -------------

function located(latest) {
  return latest.filter((event) => event.location && event.location.lat !== null && event.location.lon !== null);
}

function mapView(points) {
  if (!fitToEvents || points.length === 0) return WORLD;
  const lats = points.map((event) => event.location.lat), lons = points.map((event) => event.location.lon);
  let south = Math.min(...lats), north = Math.max(...lats), west = Math.min(...lons), east = Math.max(...lons);
  const pad = Math.max(1.5, 0.25 * Math.max(north - south, east - west));
  south -= pad; north += pad; west -= pad; east += pad;
  // Widen the shorter side to the map's shape, a degree of longitude counting cos(latitude).
  const shrink = Math.cos(((south + north) / 2) * Math.PI / 180);
  const midLon = (west + east) / 2, midLat = (south + north) / 2;
  let lonSpan = east - west, latSpan = north - south;
  if ((lonSpan * shrink) / latSpan < MAP_W / MAP_H) lonSpan = (latSpan * MAP_W) / MAP_H / shrink;
  else latSpan = (lonSpan * shrink * MAP_H) / MAP_W;
  lonSpan = Math.min(lonSpan, 360); latSpan = Math.min(latSpan, 180);
  const westEdge = Math.min(Math.max(midLon - lonSpan / 2, -180), 180 - lonSpan);
  const southEdge = Math.min(Math.max(midLat - latSpan / 2, -90), 90 - latSpan);
  return { west: westEdge, east: westEdge + lonSpan, south: southEdge, north: southEdge + latSpan };
}

function project(view, lat, lon) {
  return [((lon - view.west) / (view.east - view.west)) * MAP_W, ((view.north - lat) / (view.north - view.south)) * MAP_H];
}

function gridStep(span) {
  return [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60].find((step) => span / step <= 8) || 90;
}

function drawLand(view) {
  const context = document.getElementById("map-land").getContext("2d");
  context.fillStyle = "#dfe9f2";
  context.fillRect(0, 0, MAP_W, MAP_H);
  // Each grid cell with a town in it a square: the inhabited land shows its shape.
  const width = Math.max(1.2, (land.step / (view.east - view.west)) * MAP_W + 0.5);
  const height = Math.max(1.2, (land.step / (view.north - view.south)) * MAP_H + 0.5);
  context.fillStyle = "#c9d2b4";
  for (let i = 0; i < land.cells.length; i += 2) {
    const lat = land.cells[i] * land.step, lon = land.cells[i + 1] * land.step;
    if (lat < view.south || lat > view.north || lon < view.west || lon > view.east) continue;
    const [x, y] = project(view, lat, lon);
    context.fillRect(x - width / 2, y - height / 2, width, height);
  }
  // Graticule and its degrees over the land.
  context.strokeStyle = "rgba(95, 110, 124, 0.25)";
  context.fillStyle = "#5f6e7c";
  context.font = "10px sans-serif";
  const step = gridStep(Math.max(view.east - view.west, view.north - view.south));
  for (let lon = Math.ceil(view.west / step) * step; lon <= view.east; lon += step) {
    const [x] = project(view, 0, lon);
    context.beginPath(); context.moveTo(x, 0); context.lineTo(x, MAP_H); context.stroke();
    context.fillText(`${+lon.toFixed(2)}°`, x + 2, MAP_H - 3);
  }
  for (let lat = Math.ceil(view.south / step) * step; lat <= view.north; lat += step) {
    const [, y] = project(view, lat, 0);
    context.beginPath(); context.moveTo(0, y); context.lineTo(MAP_W, y); context.stroke();
    context.fillText(`${+lat.toFixed(2)}°`, 2, y - 2);
  }
}

// A place name beside its marker (right, left, above or below) where it overlaps no other name
// and stays on the map; null when there is no room (the marker's tooltip still names it).
function placeLabel(taken, x, y, name) {
  const width = 6.5 * name.length, height = 12;
  const spots = [
    { x: x + 8, y: y + 4, "text-anchor": "start", left: x + 8 },
    { x: x - 8, y: y + 4, "text-anchor": "end", left: x - 8 - width },
    { x, y: y - 9, "text-anchor": "middle", left: x - width / 2 },
    { x, y: y + 17, "text-anchor": "middle", left: x - width / 2 },
  ];
  for (const { left, ...spot } of spots) {
    const box = { left, right: left + width, top: spot.y - height + 2, bottom: spot.y + 2 };
    const inside = box.left >= 0 && box.right <= MAP_W && box.top >= 0 && box.bottom <= MAP_H;
    const free = taken.every((other) => box.right < other.left || box.left > other.right
      || box.bottom < other.top || box.top > other.bottom);
    if (inside && free) {
      taken.push(box);
      return { ...spot, x: spot.x.toFixed(1), y: spot.y.toFixed(1) };
    }
  }
  return null;
}

function drawMap(latest) {
  const points = located(latest);
  const view = mapView(points);
  drawLand(view);
  const layer = document.getElementById("map-points");
  const markers = [], labels = [], taken = [];
  // Bigger (more reported) events on top, and labelled first.
  for (const event of points.sort((a, b) => a.num_sources - b.num_sources)) {
    const [x, y] = project(view, event.location.lat, event.location.lon);
    const marker = svgEl("circle", {
      cx: x.toFixed(1), cy: y.toFixed(1), r: (4 + 2 * Math.sqrt(event.num_sources - 1)).toFixed(1),
      class: `marker type-${event.type}`, "data-event-id": event.event_id,
    }, svgEl("title", {}, `${event.summary}`));
    marker.addEventListener("click", () => focusEvent(event.event_id));
    markers.push(marker);
  }
  if (view !== WORLD) {
    const named = new Set();
    for (const event of [...points].reverse()) {
      const name = event.location.canonical || event.location.reported;
      if (named.has(name)) continue;
      named.add(name);
      const label = placeLabel(taken, ...project(view, event.location.lat, event.location.lon), name);
      if (label) labels.push(svgEl("text", { ...label, class: "place-label" }, name));
    }
  }
  markers.push(...labels);
  layer.replaceChildren(...markers);
  const unplaced = latest.length - points.length;
  document.getElementById("map-note").textContent =
    (view === WORLD ? "whole world" : `zoomed to the events (${view.south.toFixed(1)}° to ${view.north.toFixed(1)}° N, `
      + `${view.west.toFixed(1)}° to ${view.east.toFixed(1)}° E)`)
    + (unplaced ? `; ${unplaced} event${unplaced === 1 ? "" : "s"} without coordinates` : "");
}

// --- timeline: when each event happened, one bar per event, lanes so bars do not overlap ----

function dayOf(text) {
  return Date.parse(`${text.slice(0, 10)}T00:00:00Z`);
}

// Ticks at most about seven: every N days for short spans, else on the first of every N months.
function ticks(first, last) {
  const spanDays = (last - first) / DAY_MS;
  const days = [1, 2, 7, 14].find((step) => spanDays / step <= 7);
  if (days) {
    const stepMs = days * DAY_MS, found = [];
    for (let tick = Math.ceil(first / stepMs) * stepMs; tick <= last; tick += stepMs) found.push(tick);
    return found;
  }
  const months = [1, 2, 3, 6, 12, 24, 60, 120].find((step) => spanDays / (30.44 * step) <= 7) || 240;
  const start = new Date(first), found = [];
  const year = start.getUTCFullYear();
  let month = Math.ceil(start.getUTCMonth() / months) * months;
  for (let tick = Date.UTC(year, month); tick <= last; tick = Date.UTC(year, (month += months))) {
    if (tick >= first) found.push(tick);
  }
  return found;
}

function drawTimeline(latest) {
  const dated = latest.filter((event) => event.time)
    .map((event) => ({ event, start: dayOf(event.time.start), end: dayOf(event.time.end) + DAY_MS }))
    .sort((a, b) => a.start - b.start);
  const chart = document.getElementById("timeline");
  const undated = latest.length - dated.length;
  document.getElementById("timeline-note").textContent = undated ? `${undated} event${undated === 1 ? "" : "s"} without a date` : "";
  if (dated.length === 0) { chart.replaceChildren(); return; }
  let first = Math.min(...dated.map((item) => item.start)) - DAY_MS;
  let last = Math.max(...dated.map((item) => item.end)) + DAY_MS;
  if (last - first < 7 * DAY_MS) { const middle = (first + last) / 2; first = middle - 3.5 * DAY_MS; last = middle + 3.5 * DAY_MS; }
  const x = (ms) => ((ms - first) / (last - first)) * (TIMELINE_W - 20) + 10;
  // Bars go into the first lane where they do not overlap; the last lane takes any overflow.
  const laneEnds = [];
  const placed = dated.map((item) => {
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= x(item.start) - 2);
    if (lane === -1) lane = Math.min(laneEnds.length, TIMELINE_LANES - 1);
    const left = x(item.start), width = Math.max(6, x(item.end) - left);
    laneEnds[lane] = Math.max(laneEnds[lane] || 0, left + width);
    return { ...item, lane, left, width };
  });
  const axisY = laneEnds.length * LANE_H + 6, height = axisY + 20;
  chart.setAttribute("viewBox", `0 0 ${TIMELINE_W} ${height}`);
  const parts = [svgEl("line", { x1: 10, x2: TIMELINE_W - 10, y1: axisY, y2: axisY, class: "axis" })];
  for (const tick of ticks(first, last)) {
    const anchor = x(tick) < 40 ? "start" : x(tick) > TIMELINE_W - 40 ? "end" : "middle";
    parts.push(svgEl("line", { x1: x(tick), x2: x(tick), y1: axisY, y2: axisY + 4, class: "axis" }));
    parts.push(svgEl("text", { x: x(tick), y: height - 3, class: "tick", "text-anchor": anchor },
      new Date(tick).toISOString().slice(0, 10)));
  }
  for (const { event, lane, left, width } of placed) {
    const bar = svgEl("rect", {
      x: left.toFixed(1), y: axisY - (lane + 1) * LANE_H, width: width.toFixed(1), height: LANE_H - 3, rx: 2,
      class: `bar type-${event.type}`, "data-event-id": event.event_id,
    }, svgEl("title", {}, `${timeText(event.time)}: ${event.summary}`));
    bar.addEventListener("click", () => focusEvent(event.event_id));
    parts.push(bar);
    // Where it happened, inside the bar when it fits (about 6 pixels a character).
    const place = event.location ? event.location.canonical || event.location.reported : event.type;
    const fits = Math.floor((width - 6) / 6);
    if (fits >= 4) {
      parts.push(svgEl("text", { x: (left + 3).toFixed(1), y: axisY - lane * LANE_H - 5, class: "bar-label" },
        place.length > fits ? `${place.slice(0, fits - 1)}…` : place));
    }
  }
  chart.replaceChildren(...parts);
}

// --- wiring ------------------------------------------------------------------------------

function setStatus(state, text) {
  document.body.dataset.state = state;
  document.getElementById("status").textContent = text;
}

function activeFilters() {
  const params = new URLSearchParams(location.search);
  const form = document.getElementById("filters");
  for (const input of form.elements) if (input.name && params.has(input.name)) input.value = params.get(input.name);
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const chosen = new URLSearchParams();
    for (const input of form.elements) if (input.name && input.value.trim()) chosen.set(input.name, input.value.trim());
    location.search = chosen.toString();
  });
  const filters = new URLSearchParams();
  for (const [name, value] of params) if (FILTER_NAMES.includes(name)) filters.append(name, value);
  return filters.toString();
}

function connect(query) {
  const stream = new EventSource(`/events/stream${query ? `?${query}` : ""}`);
  stream.onopen = () => setStatus("loading", "connected, loading the latest states…");
  stream.onmessage = (message) => upsert(JSON.parse(message.data));
  stream.addEventListener("ready", () => setStatus("live", query ? `live, filtered: ${decodeURIComponent(query)}` : "live"));
  stream.onerror = async () => {
    if (stream.readyState !== EventSource.CLOSED) { setStatus("reconnecting", "reconnecting…"); return; }
    // The server refused the stream: a filter it cannot use. Say why.
    const answer = await fetch(`/events?limit=1${query ? `&${query}` : ""}`).then((r) => r.json()).catch(() => ({}));
    setStatus("failed", `cannot follow the events: ${answer.error || "the worker does not answer"}`);
  };
}

document.getElementById("zoom").addEventListener("click", (clicked) => {
  fitToEvents = !fitToEvents;
  clicked.target.textContent = fitToEvents ? "show the world" : "zoom to the events";
  scheduleRedraw();
});

fetch("/ui/towns.json").then((r) => r.json()).then((cells) => { land = cells; scheduleRedraw(); }).catch(() => {});
scheduleRedraw();
connect(activeFilters());
