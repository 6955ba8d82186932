// Wirewatch console: plain JavaScript, no build step, nothing loaded from the internet.
// Every text that comes from the server is inserted with textContent (never as HTML).
"use strict";

const state = { token: sessionStorage.getItem("wirewatch.token"), me: null, timers: [], stream: null,
  lastAlertId: 0, alerts: [], dlqReason: null, dlqStage: null, mapLoaded: false, editing: null };

const $ = (sel) => document.querySelector(sel);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${state.token}`, ...(options.body ? { "Content-Type": "application/json" } : {}) };
  const res = await fetch(path, { ...options, headers: { ...headers, ...(options.headers || {}) } });
  if (res.status === 401) { signOut("Your token was refused."); throw new Error("unauthorized"); }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) { const err = new Error(detail(data) || res.statusText); err.status = res.status; err.data = data; throw err; }
  return data;
}

function detail(data) {
  if (!data) return "";
  const d = data.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => e.msg).join("; ");
  if (d && d.message) return `${d.message} at column ${d.column}`;
  return JSON.stringify(d);
}

// A story's URL comes from a feed: only http(s) links are made (never javascript: or data:).
const safeUrl = (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? url : null);
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en", { maximumFractionDigits: 2 }));
const when = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : "–");

function every(ms, fn) { fn(); state.timers.push(setInterval(fn, ms)); }
function stopTimers() { state.timers.forEach(clearInterval); state.timers = []; }

// --- sign in / out, pages -------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api("/console/api/me");
  } catch (e) {
    $("#login-error").textContent = e.status ? e.message : "Token refused.";
    state.token = null;
    return;
  }
  sessionStorage.setItem("wirewatch.token", token);
  $("#login").hidden = true; $("#nav").hidden = false; $("#whoami").hidden = false;
  $("#who").textContent = state.me.who; $("#role").textContent = state.me.role;
  document.querySelectorAll("[data-role=operator]").forEach((a) => { a.hidden = state.me.role !== "operator"; });
  openStream();
  route();
}

function signOut(message) {
  sessionStorage.removeItem("wirewatch.token");
  state.token = null; state.me = null; state.alerts = []; state.lastAlertId = 0; stopTimers();
  $("#alerts").replaceChildren(); $("#alert-detail").hidden = true;
  if (state.stream) { state.stream.close(); state.stream = null; }
  document.querySelectorAll(".page").forEach((p) => { p.hidden = true; });
  $("#login").hidden = false; $("#nav").hidden = true; $("#whoami").hidden = true;
  $("#login-error").textContent = message || "";
}

function route() {
  if (!state.me) return;
  let page = (location.hash || "").slice(1);
  if (!["ops", "alerts", "subs", "stories"].includes(page)) page = state.me.role === "operator" ? "ops" : "alerts";
  if (page === "ops" && state.me.role !== "operator") page = "alerts";
  stopTimers();
  document.querySelectorAll(".page").forEach((p) => { p.hidden = p.id !== `page-${page}`; });
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === page));
  ({ ops: showOps, alerts: showAlerts, subs: showSubs, stories: showStories })[page]();
}

// --- Operations -----------------------------------------------------------------------------

function rows(tbody, items, make) {
  const body = $(tbody);
  body.replaceChildren(...items.map(make));
}

// Lag samples (one per group, topic and partition) as one row per group and topic.
function lagRows(samples) {
  const byKey = new Map();
  for (const l of samples) {
    const group = l.labels.group || l.labels.consumer_group || "–";
    const topic = l.labels.topic || "–";
    const key = `${group}\u0000${topic}`;
    if (!byKey.has(key)) byKey.set(key, { group, topic, total: 0, partitions: [] });
    const row = byKey.get(key);
    row.total += l.value;
    row.partitions.push([l.labels.partition ?? "?", l.value]);
  }
  const out = [...byKey.values()];
  out.forEach((r) => r.partitions.sort((a, b) => Number(a[0]) - Number(b[0])));
  return out.sort((a, b) => b.total - a.total || a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic));
}

function showOps() {
  every(2000, async () => {
    const ops = await api("/console/api/ops");
    rows("#stages tbody", ops.stages, (s) => h("tr", { "data-stage": s.stage },
      h("td", {}, s.stage), h("td", { class: s.up === false ? "bad" : s.up ? "ok" : "muted" }, s.up === null ? "–" : s.up ? "up" : "down"),
      h("td", {}, fmt(s.handled)), h("td", {}, fmt(s.per_second)),
      h("td", {}, fmt(s.handle_ms_recent)), h("td", {}, fmt(s.handle_ms_mean)),
      h("td", { class: s.errors ? "bad" : "" }, fmt(s.errors)), h("td", {}, fmt(s.dead_letters))));
    rows("#connections tbody", ops.connections, (c) => h("tr", { "data-conn": c.name },
      h("td", {}, c.name), h("td", {}, c.kind), h("td", {}, c.target),
      h("td", { class: ["connected", "reachable"].includes(c.state) ? "ok" : "bad", title: c.detail || "" }, c.state)));
    $("#lag-none").hidden = ops.lag.length > 0;
    rows("#lag tbody", lagRows(ops.lag), (l) => h("tr", { "data-group": l.group, "data-topic": l.topic },
      h("td", {}, l.group), h("td", {}, l.topic), h("td", { class: l.total ? "bad" : "" }, fmt(l.total)),
      h("td", { class: "partitions" }, l.partitions.map(([p, v]) => h("span", { class: v ? "bad" : "" }, `p${p}: ${fmt(v)}`)))));
    $("#other-count").textContent = `(${ops.other.length})`;
    rows("#other tbody", ops.other, (o) => h("tr", {}, h("td", {}, o.metric),
      h("td", {}, Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(" ")), h("td", {}, fmt(o.value))));
    const s = ops.subscriptions;
    $("#sub-counts").textContent = `${s.total} subscriptions (${s.paused} paused) of ${s.subscribers} subscribers; ` +
      `${ops.sse_clients ?? 0} live stream clients; ${ops.stories_kept} recent stories kept.`;
    $("#ops-live").textContent = `live · ${new Date().toLocaleTimeString()}`;
  });
  every(2000, loadLetters);
}

async function loadLetters() {
  const q = new URLSearchParams();
  if (state.dlqReason !== null) q.set("reason", state.dlqReason);
  if (state.dlqStage !== null) q.set("stage", state.dlqStage);
  const dlq = await api(`/console/api/dlq?${q}`);
  $("#dlq-count").textContent = `(${dlq.total} shown by the filter)`;
  $("#dlq-filter").textContent = state.dlqReason === null ? "All reasons" : `Reason: ${state.dlqReason}`;
  $("#dlq-clear").hidden = state.dlqReason === null;
  rows("#reasons tbody", dlq.reasons, (r) => h("tr", {},
    h("td", {}, r.stage), h("td", {}, r.error_type), h("td", { class: "reason" }, r.reason), h("td", {}, fmt(r.count)),
    h("td", {}, h("button", { type: "button", onclick: () => { state.dlqReason = r.reason; state.dlqStage = r.stage; loadLetters(); } }, "Show"),
      " ", h("button", { type: "button", class: "redrive-reason", onclick: () => redrive({ reason: r.reason, stage: r.stage }, `${r.count} letters of this reason`) }, "Redrive these"))));
  const checked = new Set([...document.querySelectorAll("#letters input:checked")].map((i) => i.value));
  $("#letters").replaceChildren(...dlq.letters.map((l) => h("div", { class: "letter", "data-id": l.id },
    h("div", { class: "letter-head" },
      h("input", { type: "checkbox", value: l.id, disabled: l.not_redrivable !== null, checked: checked.has(l.id), "aria-label": `select ${l.id}` }),
      h("b", {}, l.stage), " ", h("span", { class: "reason" }, l.reason), " ",
      h("span", { class: "muted" }, `${l.error_type} · ${when(l.failed_at)} · ${l.raw_size} bytes`),
      l.redriven_at ? h("span", { class: "badge ok" }, `redriven by ${l.redriven_by}`) : null,
      l.not_redrivable === null ? h("button", { type: "button", class: "redrive-one", onclick: () => redrive({ ids: [l.id] }) }, "Redrive") : null),
    h("div", { class: "muted" }, `source: ${l.source || "–"}` + (l.topic ? ` · from ${l.topic}` : "") +
      (l.partition !== null ? `[${l.partition}]@${l.offset}` : "") + (l.key ? ` · key ${l.key}` : "")),
    l.not_redrivable && !l.redriven_at ? h("div", { class: "muted small" }, `not redrivable: ${l.not_redrivable}`) : null,
    h("pre", { class: "preview" }, l.preview))));
}

async function redrive(selection, what) {
  if (what && !confirm(`Redrive ${what}?`)) return;
  try {
    const out = await api("/console/api/dlq/redrive", { method: "POST", body: JSON.stringify(selection) });
    $("#redrive-result").textContent = `redriven: ${out.redriven.length}, skipped: ${out.skipped.length}` +
      (out.skipped.length ? ` (${out.skipped[0].why})` : "");
  } catch (e) { $("#redrive-result").textContent = `redrive failed: ${e.message}`; }
  loadLetters();
}

// --- Alerts ---------------------------------------------------------------------------------

async function openStream() {
  if (state.stream) state.stream.close();
  let ticket;
  try { ticket = (await api("/console/api/ticket", { method: "POST" })).ticket; } catch { setTimeout(openStream, 3000); return; }
  const q = new URLSearchParams({ ticket });
  q.set("since", state.lastAlertId);  // 0 at first: the alerts the hub still keeps, then live ones
  const es = new EventSource(`/console/api/alerts/stream?${q}`);
  state.stream = es;
  es.addEventListener("open", () => { $("#alerts-live").textContent = "live"; });
  es.addEventListener("alert", (ev) => {
    state.lastAlertId = ev.lastEventId;
    const alert = JSON.parse(ev.data);
    if (state.alerts.some((a) => a.key === alert.key)) return;
    state.alerts.unshift(alert);
    state.alerts.length = Math.min(state.alerts.length, 500);
    if (!$("#page-alerts").hidden) renderAlert(alert, true);
  });
  es.addEventListener("dropped", () => { es.close(); setTimeout(openStream, 500); });
  es.onerror = () => {
    // The ticket is short-lived: reconnect with a fresh one rather than let EventSource retry the old URL.
    $("#alerts-live").textContent = "reconnecting";
    es.close();
    if (state.token) setTimeout(openStream, 2000);
  };
}

function showAlerts() {
  $("#alerts").replaceChildren();
  for (const alert of [...state.alerts].reverse()) renderAlert(alert, true);
}

// The story text with the explanation's mentions marked. Offsets are code points (Python's str),
// so the text is split with Array.from, not by UTF-16 units.
function marked(text, field, explanation) {
  const chars = Array.from(text || "");
  const spans = [];
  for (const clause of explanation || []) {
    for (const m of clause.mentions || []) if (m.field === field && m.end > m.start) spans.push([m.start, m.end, clause.clause]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const out = []; let at = 0;
  for (const [start, end, clause] of spans) {
    if (start < at) continue;
    out.push(chars.slice(at, start).join(""));
    out.push(h("mark", { title: clause }, chars.slice(start, end).join("")));
    at = end;
  }
  out.push(chars.slice(at).join(""));
  return out;
}

function renderAlert(alert, prepend) {
  $("#alerts-empty").hidden = true;
  const card = h("li", { class: `alert kind-${alert.kind}`, "data-key": alert.key, "data-subscription": alert.subscription_id },
    h("div", {}, h("span", { class: `badge kind ${alert.kind}` }, alert.kind), " ",
      h("b", {}, alert.subscription_id), state.me.role === "operator" ? h("span", { class: "muted" }, ` · ${alert.subscriber}`) : null,
      h("span", { class: "muted" }, ` · ${when(alert.created_at)}`)),
    h("div", { class: "title" }, marked(alert.title, "title", alert.explanation)),
    h("div", { class: "explanation" }, (alert.explanation || []).map((c) => h("code", {}, c.clause, c.tag_name ? ` → ${c.tag_name}` : ""))),
    alert.kind === "digest" ? h("div", { class: "muted" }, `${(alert.stories || []).length} stories`) : null,
    h("button", { type: "button", class: "more", onclick: () => showAlert(alert) }, "Story and cluster history"));
  if (prepend) $("#alerts").prepend(card); else $("#alerts").append(card);
  const list = $("#alerts");
  while (list.children.length > 500) list.lastElementChild.remove();  // an operator's backlog can be 10,000
}

async function showAlert(alert) {
  const box = $("#alert-detail");
  box.hidden = false;
  box.replaceChildren(h("h3", {}, alert.title), h("p", { class: "muted" }, "loading…"));
  const parts = [h("h3", {}, marked(alert.title, "title", alert.explanation)),
    h("p", { class: "muted" }, `${alert.kind} · ${alert.subscription_id} · query ${alert.query}`)];
  try {
    const story = await api(`/console/api/stories/${encodeURIComponent(alert.story_id)}`);
    if (story.standfirst) parts.push(h("p", { class: "standfirst" }, marked(story.standfirst, "standfirst", alert.explanation)));
    for (const para of splitParagraphs(story.body, alert.explanation)) parts.push(para);
    parts.push(h("p", { class: "muted" }, `${story.source} · ${when(story.published_at)} · ${story.countries.join(", ")}`));
  } catch { parts.push(h("p", { class: "muted" }, "The story's text is no longer among the recent stories kept.")); }
  try {
    const cluster = await api(`/console/api/clusters/${encodeURIComponent(alert.cluster_id)}`);
    parts.push(h("h4", {}, `Cluster ${cluster.cluster_id}`), h("h5", {}, "Alerts"),
      h("ol", { class: "history" }, cluster.alerts.map((a) => h("li", {}, h("span", { class: `badge kind ${a.kind}` }, a.kind), ` ${when(a.created_at)} ${a.subscription_id}: ${a.title}`))),
      h("h5", {}, "Stories (copies and versions)"), h("ol", { class: "history" }, cluster.stories.map((s) => h("li", {}, `${when(s.ingested_at)} v${s.version} ${s.source}: ${s.title}`))));
  } catch { /* the cluster view is optional */ }
  box.replaceChildren(...parts);
}

// Paragraphs of the body, each marked with the mentions that fall in it (offsets are into the whole body).
function splitParagraphs(body, explanation) {
  const whole = marked(body, "body", explanation);
  const p = h("div", { class: "body" }, whole);
  return [p];
}

// --- Subscriptions --------------------------------------------------------------------------

let checkTimer = null;

function showSubs() {
  loadSubs();
  if (state.me.role === "operator") every(5000, loadAllSubs);
}

async function loadSubs() {
  const subs = await api("/subscriptions");
  rows("#subs tbody", subs, (s) => h("tr", { "data-id": s.id },
    h("td", {}, s.id), h("td", {}, h("code", {}, s.query)), h("td", {}, (s.options.channels || []).join(", ")),
    h("td", {}, s.options.paused ? "paused" : "active"),
    h("td", {}, h("button", { type: "button", onclick: () => edit(s) }, "Edit"), " ",
      h("button", { type: "button", class: "pause", onclick: () => save(s.id, s.query, { ...s.options, paused: !s.options.paused }).then(loadSubs) }, s.options.paused ? "Resume" : "Pause"), " ",
      h("button", { type: "button", onclick: () => api(`/subscriptions/${encodeURIComponent(s.id)}`, { method: "DELETE" }).then(loadSubs) }, "Delete"))));
}

async function loadAllSubs() {
  $("#all-subs-box").hidden = false;
  const subs = await api("/console/api/subscriptions");
  rows("#all-subs tbody", subs, (s) => h("tr", {}, h("td", {}, s.subscriber), h("td", {}, s.id), h("td", {}, h("code", {}, s.query)),
    h("td", {}, s.options.paused ? "paused" : "active")));
}

function edit(sub) {
  state.editing = sub;
  $("#sub-form-title").textContent = sub ? `Edit ${sub.id}` : "New subscription";
  $("#sub-save").textContent = sub ? "Save" : "Create";
  $("#sub-query").value = sub ? sub.query : "";
  const channels = sub ? sub.options.channels : ["mqtt"];
  document.querySelectorAll("input[name=channel]").forEach((c) => { c.checked = channels.includes(c.value); });
  $("#sub-webhook").value = sub && sub.options.webhook_url ? sub.options.webhook_url : "";
  $("#sub-paused").checked = Boolean(sub && sub.options.paused);
  checkQuery();
}

async function save(id, query, options) {
  const body = JSON.stringify({ query, options });
  return id ? api(`/subscriptions/${encodeURIComponent(id)}`, { method: "PUT", body })
    : api("/subscriptions", { method: "POST", body });
}

async function submitSub(ev) {
  ev.preventDefault();
  const base = state.editing ? state.editing.options : {};
  const options = { ...base, channels: [...document.querySelectorAll("input[name=channel]:checked")].map((c) => c.value),
    paused: $("#sub-paused").checked, webhook_url: $("#sub-webhook").value || null };
  try {
    const saved = await save(state.editing && state.editing.id, $("#sub-query").value, options);
    $("#sub-result").textContent = `saved ${saved.id}`;
    edit(saved);
    loadSubs();
  } catch (e) { $("#sub-result").textContent = e.message; }
}

let checkSeq = 0;

function checkQuery() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(async () => {
    const seq = ++checkSeq;
    const query = $("#sub-query").value;
    const box = $("#query-check");
    if (!query.trim()) { box.textContent = ""; box.className = "check"; $("#query-hints").replaceChildren(); return; }
    const res = await api("/console/api/query/check", { method: "POST", body: JSON.stringify({ query }) });
    if (seq !== checkSeq) return;  // a later keystroke's answer wins
    if (!res.ok) {
      box.className = "check bad";
      box.textContent = `${res.error.message} (column ${res.error.column})\n${res.error.pointer}`;
    } else {
      box.className = "check ok";
      box.textContent = `valid query, ${res.clauses} clause${res.clauses === 1 ? "" : "s"}`;
    }
    showHints(res.hints);
    if (!res.ok) return;
    // The knowledge base knows every name, not only the recent stories' (loaded on first use: it may take a while).
    try {
      const kb = await api(`/knowledge/check?${new URLSearchParams({ query })}`);
      if (seq !== checkSeq) return;
      const known = new Set(kb.warnings.map((w) => `${w.field}:${w.value}`));
      showHints([...kb.warnings.map((w) => ({ ...w, source: "knowledge base" })),
        ...res.hints.filter((hint) => !known.has(`${hint.field}:${hint.value}`))]);
    } catch { /* no /knowledge in this API: the recent stories' hints stay */ }
  }, 200);
}

function showHints(hints) {
  $("#query-hints").replaceChildren(...hints.map((hint) => h("li", {},
    hint.column ? `column ${hint.column}: ` : "", hint.source ? `${hint.source}: ` : "", hint.message,
    hint.suggestions.length ? " — did you mean " : "",
    hint.suggestions.map((s, i) => [i ? ", " : "", h("button", { type: "button", class: "link", onclick: () => replaceValue(hint, s) }, s)]))));
}

function replaceValue(hint, value) {
  const q = $("#sub-query");
  const shown = /\s/.test(value) ? `"${value}"` : value;
  q.value = q.value.replace(`${hint.field}:${hint.value}`, `${hint.field}:${shown}`).replace(`${hint.field}:"${hint.value}"`, `${hint.field}:${shown}`);
  checkQuery();
}

async function backtest() {
  const status = $("#bt-status"); const bar = $("#bt-progress");
  $("#bt-hits").replaceChildren();
  let job;
  try {
    job = await api("/console/api/backtests", { method: "POST", body: JSON.stringify({ query: $("#sub-query").value, since: $("#bt-since").value }) });
  } catch (e) { status.textContent = e.message; return; }
  bar.hidden = false;
  while (true) {
    bar.max = Math.max(job.total, 1); bar.value = job.read;
    status.textContent = `${job.state}: ${fmt(job.read)} of ${fmt(job.total)} stories read, ${fmt(job.matched)} matched`;
    if (job.state !== "running") break;
    await new Promise((r) => setTimeout(r, 300));
    job = await api(`/console/api/backtests/${job.id}`);
  }
  if (job.error) status.textContent += ` — ${job.error}`;
  $("#bt-hits").replaceChildren(...job.hits.map((s) => h("li", { class: "hit" },
    h("div", { class: "title" }, marked(s.title, "title", s.explanation)),
    h("div", { class: "muted" }, `${when(s.published_at || s.ingested_at)} · ${s.source} · cluster ${s.cluster_id}`),
    h("div", { class: "explanation" }, s.explanation.map((c) => h("code", {}, c.clause))))));
}

// --- Stories --------------------------------------------------------------------------------

async function loadMap() {
  if (state.mapLoaded) return;
  const res = await fetch("/console/static/world.svg");
  const doc = new DOMParser().parseFromString(await res.text(), "image/svg+xml");
  $("#map").replaceChildren(document.importNode(doc.documentElement, true));
  state.mapLoaded = true;
}

// The map is @svg-maps/world: a Miller projection cut at 169.5° W. These constants were fitted
// (least squares) to the Natural Earth points of the 59 countries smaller than 4 px on it:
// median error 0.1 px across, 1.8 px down.
const MAP_X0 = 474.96, MAP_RX = 160.87, MAP_Y0 = 463.42, MAP_RY = 167.81;

function mapPoint(lat, lon) {
  const lambda = ((lon < -169.5 ? lon + 360 : lon) * Math.PI) / 180;
  const phi = (lat * Math.PI) / 180;
  const miller = 1.25 * Math.log(Math.tan(Math.PI / 4 + 0.4 * phi));
  return [MAP_X0 + MAP_RX * lambda, MAP_Y0 - MAP_RY * miller];
}

function drawPlaces(places) {
  const svg = document.querySelector("#map svg");
  if (!svg) return;
  const ns = svg.namespaceURI;  // the SVG namespace, taken from the map itself
  let layer = svg.querySelector("#place-dots");
  if (!layer) {
    layer = document.createElementNS(ns, "g");
    layer.setAttribute("id", "place-dots");
    svg.appendChild(layer);
  }
  const max = Math.max(1, ...places.map((p) => p.stories));
  layer.replaceChildren(...places.map((p) => {
    const [x, y] = mapPoint(p.lat, p.lon);
    const dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", x.toFixed(1));
    dot.setAttribute("cy", y.toFixed(1));
    dot.setAttribute("r", (2 + 4 * Math.sqrt(p.stories / max)).toFixed(1));
    dot.setAttribute("class", "place-dot");
    dot.setAttribute("data-place", p.id);
    const title = document.createElementNS(ns, "title");
    title.textContent = `${p.name}: ${p.stories}`;
    dot.appendChild(title);
    return dot;
  }));
}

function showStories() {
  every(3000, async () => {
    const [data] = await Promise.all([api("/console/api/stories"), loadMap()]);
    $("#stories-count").textContent = `(${data.kept} recent stories kept)`;
    const max = Math.max(1, ...Object.values(data.countries));
    document.querySelectorAll("#map path[id]").forEach((p) => {
      const n = data.countries[p.id.toUpperCase()] || 0;
      p.style.fill = n ? `rgba(200, 60, 40, ${0.25 + 0.75 * (n / max)})` : "";
      p.replaceChildren(h("title", {}, n ? `${p.getAttribute("name") || p.id}: ${n}` : (p.getAttribute("name") || p.id)));
    });
    drawPlaces(data.places || []);
    rows("#countries", Object.entries(data.countries), ([code, n]) => h("li", { "data-country": code }, `${code}: ${n}`));
    rows("#stories tbody", data.stories, (s) => h("tr", {},
      h("td", {}, when(s.published_at || s.ingested_at)),
      h("td", {}, safeUrl(s.url) ? h("a", { href: safeUrl(s.url), rel: "noopener noreferrer", target: "_blank" }, s.title) : s.title,
        h("div", { class: "muted" }, s.source)),
      h("td", {}, Object.entries(s.tags).flatMap(([kind, names]) => names.map((n) => h("span", { class: `tag ${kind}` }, n)))),
      h("td", {}, h("code", {}, s.cluster_id))));
  });
}

// --- wiring ---------------------------------------------------------------------------------

window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", () => {
  $("#login-form").addEventListener("submit", (ev) => { ev.preventDefault(); signIn($("#token").value.trim()); });
  $("#signout").addEventListener("click", () => signOut());
  $("#dlq-clear").addEventListener("click", () => { state.dlqReason = null; state.dlqStage = null; loadLetters(); });
  $("#redrive-selected").addEventListener("click", () => {
    const ids = [...document.querySelectorAll("#letters input:checked")].map((i) => i.value);
    if (ids.length) redrive({ ids });
  });
  $("#redrive-all").addEventListener("click", () => redrive({ all: true }, "every redrivable letter"));
  $("#sub-query").addEventListener("input", checkQuery);
  $("#sub-form").addEventListener("submit", submitSub);
  $("#sub-new").addEventListener("click", () => edit(null));
  $("#bt-run").addEventListener("click", backtest);
  if (state.token) signIn(state.token); else $("#login").hidden = false;
});
