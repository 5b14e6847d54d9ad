// The Mini App: five pages over the bot's JSON API. Every request carries Telegram's
// initData; the server checks it and answers 401 to anything else. Text from the server
// is put into the page with textContent only, never as HTML.
"use strict";

const tg = window.Telegram && window.Telegram.WebApp;
const initData = tg ? tg.initData : "";
const $ = (id) => document.getElementById(id);
const PAGES = ["path", "stats", "temperature", "kl", "runs"];
const fmt = (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : "∞");
const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

// A share as a whole percent, rounded as /stats rounds it (Python's "{:.0%}": a tie goes
// to the even number, so 62.5 % is 62 %, where Math.round would say 63 %).
function percent(share) {
  const exact = 100 * share;
  const rounded = Math.round(exact);
  return `${rounded - exact === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded}%`;
}

// ---------------------------------------------------------------- theme and API

function applyTheme() {
  const params = (tg && tg.themeParams) || {};
  const root = document.documentElement.style;
  // A colour the new theme leaves out falls back (app.css), not to the old theme's.
  for (const name of [...root].filter((name) => name.startsWith("--tg-theme-"))) root.removeProperty(name);
  for (const [key, value] of Object.entries(params)) {
    root.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
  }
  document.documentElement.dataset.scheme = (tg && tg.colorScheme) || "light";
}

async function api(path, options = {}) {
  const response = await fetch(`api/${path}`, {
    ...options,
    headers: { Authorization: `tma ${initData}`, "Content-Type": "application/json" },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) showProblem(body.error || "Open this page from the bot.");
  return { status: response.status, body };
}

function showProblem(text) {
  $("problem").textContent = text;
  $("problem").hidden = false;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function cssColor(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

// ---------------------------------------------------------------- navigation

const loaders = {};
let shown = null;

function show(page) {
  if (!PAGES.includes(page)) page = "path";
  for (const name of PAGES) $(`page-${name}`).hidden = name !== page;
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.classList.toggle("active", tab.dataset.page === page);
  }
  document.body.dataset.page = page;
  shown = page;
  loaders[page]();
}

function startPage() {
  // ?page=… from a menu or Explore button, or startapp=… from a t.me link in a group.
  const asked = new URLSearchParams(location.search).get("page");
  const started = tg && tg.initDataUnsafe ? tg.initDataUnsafe.start_param : null;
  return asked || started || "path";
}

// ---------------------------------------------------------------- path

loaders.path = async () => {
  const { status, body } = await api("path");
  if (status !== 200) return;
  $("path-done").textContent = `${body.done} of ${body.total} drops done`;
  $("path-streak").textContent = plural(body.streak, "day");
  $("path-next").textContent = body.next_delivery;
  const holder = $("path-phases");
  holder.replaceChildren();
  for (const phase of body.phases) {
    holder.append(element("h2", `Phase ${phase.number} · ${phase.title}`));
    const list = element("ul", undefined, "drops");
    for (const drop of phase.drops) {
      const mark = { done: "✅", current: "📖", ahead: "▫️" }[drop.state];
      const item = element("li", `${mark} ${drop.id} · ${drop.title}`, `drop ${drop.state}`);
      item.dataset.drop = drop.id;
      if (drop.state !== "ahead") item.addEventListener("click", () => openDrop(drop.id));
      list.append(item);
    }
    holder.append(list);
  }
};

async function openDrop(dropId) {
  const { status, body } = await api(`drops/${dropId}`);
  if (status !== 200) return;
  $("drop-title").textContent = `Drop ${body.id} · ${body.title}`;
  const text = $("drop-body");
  text.replaceChildren();
  for (const paragraph of body.body.split(/\n\s*\n/)) {
    text.append(element("p", paragraph.replace(/\*\*/g, "").replace(/`/g, "")));
  }
  $("path-phases").hidden = true;
  $("drop-text").hidden = false;
  window.scrollTo(0, 0);
}

function closeDrop() {
  $("drop-text").hidden = true;
  $("path-phases").hidden = false;
}

// ---------------------------------------------------------------- stats

// One bar a row; full width is ``top`` (probabilities and shares: 1), else the largest.
function bars(holder, rows, format, top = Math.max(...rows.map((row) => row.value), 1e-12)) {
  holder.replaceChildren();
  for (const row of rows) {
    const line = element("div", undefined, "bar-row");
    line.dataset.value = String(row.value);
    const fill = element("span", undefined, "bar");
    fill.style.width = `${(100 * row.value) / top}%`;
    if (row.highlight) fill.classList.add("highlight");
    line.append(element("span", row.label, "bar-label"), fill, element("span", format(row.value, row), "bar-value"));
    holder.append(line);
  }
}

loaders.stats = async () => {
  const { status, body } = await api("stats");
  if (status !== 200) return;
  // No answers yet: the friendly line /stats gives, not a page of zeros.
  $("stats-empty").textContent = body.empty || "";
  $("stats-empty").hidden = !body.empty;
  $("stats-numbers").hidden = Boolean(body.empty);
  if (body.empty) return;
  $("stats-answers").textContent = `${body.right} right of ${body.answers}`;
  $("stats-retention").textContent = body.reviews
    ? `${percent(body.remembered / body.reviews)} (${body.remembered} of ${body.reviews})`
    : "no reviews yet";
  $("stats-streak").textContent = plural(body.streak, "day");
  $("stats-due").textContent = String(body.due_today);
  $("stats-due-note").textContent = body.due_note || "";  // past the daily cap, as /stats says
  $("stats-due-note").hidden = !body.due_note;
  const first = new Date(`${body.first_day}T00:00:00Z`);
  const days = body.forecast.map((value, i) => {
    const day = new Date(first.getTime() + i * 86400000);
    const label = i === 0 ? "today" : day.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", timeZone: "UTC" });
    return { label, value };
  });
  bars($("stats-forecast"), days, (v) => String(v));
  const weeks = body.weekly.map((week) => ({
    label: week.weeks_ago === 0 ? "last 7 d" : `${week.weeks_ago} wk ago`,
    value: week.reviews ? week.remembered / week.reviews : 0,
    shown: week.reviews ? `${percent(week.remembered / week.reviews)} of ${week.reviews}` : "none",
  }));
  bars($("stats-weekly"), weeks, (v, row) => row.shown, 1);
  const weakest = $("stats-weakest");
  weakest.replaceChildren();
  for (const drop of body.weakest) {
    const lapses = drop.lapses ? `, ${plural(drop.lapses, "lapse")}` : "";  // as /stats words it
    weakest.append(element("li", `${drop.drop_id} · ${drop.title}: ${percent(drop.retrievability)} recall${lapses}`));
  }
  if (!body.weakest.length) weakest.append(element("li", "none yet"));
};

// ---------------------------------------------------------------- temperature (drop 2.2)

const temperature = { presets: [], logits: [], label: 7 };

function drawTemperature() {
  const T = Number($("t-slider").value);
  $("t-value").textContent = T.toFixed(1);
  const soft = softTargets(temperature.logits, T, temperature.label);
  const rows = soft.probabilities.map((value, digit) => ({
    label: String(digit), value, highlight: digit === temperature.label,
  }));
  bars($("t-bars"), rows, (v) => v.toFixed(3), 1);
  $("t-entropy").textContent = fmt(soft.entropy);
  $("t-ratio").textContent = fmt(soft.topTwoRatio, 2);
  $("t-wrong").textContent = fmt(soft.wrongMass);
}

function usePreset(index) {
  const preset = temperature.presets[index];
  temperature.logits = preset.logits.slice();
  temperature.label = preset.label;
  const holder = $("t-logits");
  holder.replaceChildren();
  preset.logits.forEach((value, digit) => {
    const label = element("label", `${digit}`);
    const input = element("input");
    Object.assign(input, { type: "number", step: "0.5", value: String(value) });
    input.dataset.digit = String(digit);
    input.addEventListener("input", () => {
      const z = Number(input.value);
      if (input.value !== "" && Number.isFinite(z)) {
        temperature.logits[digit] = z;
        drawTemperature();
      }
    });
    label.append(input);
    holder.append(label);
  });
  drawTemperature();
}

loaders.temperature = async () => {
  if (temperature.presets.length) return drawTemperature();
  const { status, body } = await api("explorer/temperature");
  if (status !== 200) return;
  temperature.presets = body.presets;
  const select = $("t-preset");
  body.presets.forEach((preset, i) => select.append(Object.assign(element("option", preset.name), { value: String(i) })));
  usePreset(0);
};

// ---------------------------------------------------------------- KL (drop 2.3)

// The axes of drop 2.3's figure (drops.figures.kl_asymmetry_figure): x from −6 to 6, density
// up to 0.62, so the reverse-KL fit's peak (0.55, std 0.72) is drawn whole, as there. A
// narrower student (the slider goes down to 0.2, a peak near 2) raises the top to its peak.
const KL_VIEW = { min: -6, max: 6, top: 0.62 };

function drawKl() {
  const mean = Number($("kl-mean").value);
  const std = Number($("kl-std").value);
  $("kl-mean-value").textContent = mean.toFixed(2);
  $("kl-std-value").textContent = std.toFixed(2);
  const [forward, reverse] = gaussianKls(mean, std);
  $("kl-forward").textContent = fmt(forward);
  $("kl-reverse").textContent = fmt(reverse);
  const canvas = $("kl-canvas");
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const peak = Math.exp(logNormal(mean, mean, std));
  const top = Math.max(KL_VIEW.top, peak);
  const xAt = (x) => ((x - KL_VIEW.min) / (KL_VIEW.max - KL_VIEW.min)) * width;
  const yAt = (density) => height - 8 - (density / top) * (height - 16);
  const curve = (density, color, fill) => {
    context.beginPath();
    for (let px = 0; px <= width; px += 2) {
      const x = KL_VIEW.min + (px / width) * (KL_VIEW.max - KL_VIEW.min);
      context.lineTo(px, yAt(density(x)));
    }
    context.strokeStyle = color;
    context.lineWidth = 2.5;
    context.lineJoin = "round"; // a narrow peak's mitre would poke out of the top
    context.stroke();
    if (fill) {
      context.lineTo(width, height);
      context.lineTo(0, height);
      context.fillStyle = fill;
      context.fill();
    }
  };
  curve((x) => Math.exp(bimodalLogDensity(x)), cssColor("--teacher", "#777"), "rgba(119,119,119,0.25)");
  curve((x) => Math.exp(logNormal(x, mean, std)), cssColor("--student", "#0072B2"));
  context.fillStyle = cssColor("--text", "#000");
  context.font = "13px sans-serif";
  context.fillText("p: teacher (two modes)", 8, 16);
  context.fillText("q: student", xAt(mean) + 6, Math.max(30, yAt(peak) + 4));
}

function setStudent(mean, std) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  $("kl-mean").value = String(clamp(Math.round(mean * 50) / 50, -4, 4));
  $("kl-std").value = String(clamp(Math.round(std * 50) / 50, 0.2, 4));
  drawKl();
}

function dragStudent() {
  const canvas = $("kl-canvas");
  let start = null;
  canvas.addEventListener("pointerdown", (event) => {
    start = { x: event.clientX, y: event.clientY, mean: Number($("kl-mean").value), std: Number($("kl-std").value) };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!start) return;
    const unitsPerPx = (KL_VIEW.max - KL_VIEW.min) / canvas.getBoundingClientRect().width;
    setStudent(start.mean + (event.clientX - start.x) * unitsPerPx, start.std + (event.clientY - start.y) * 0.02);
  });
  const stop = () => { start = null; };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
}

let klFits = null;

function minimise(direction) {
  klFits = klFits || fitGaussians();
  const fit = klFits[direction];
  setStudent(fit.mean, fit.std);
}

loaders.kl = () => drawKl();

// ---------------------------------------------------------------- runs

let charts = [];
let chartCurves = null; // the curves of the run shown, drawn again when the theme changes
let polling = null;
const CURVE_COLORS = ["#777777", "#0072B2", "#D55E00", "#009E73"];
// The charts follow their box (a scroll bar appearing, the phone turning).
const chartBox = new ResizeObserver(() => {
  const width = Math.min($("run-chart").clientWidth, 420);
  for (const chart of charts) {
    if (width && chart.width !== width) chart.setSize({ width, height: chart.height });
  }
});

// One uPlot chart of every arm's ``values(arm)`` against ``steps``; tap for the values.
function curveChart(holder, steps, arms, name, values, format, tick) {
  const series = [{ label: "step", value: (_, v) => (v == null ? "–" : String(v)) }].concat(arms.map((arm, i) => ({
    label: `${arm.label} ${name}`, stroke: CURVE_COLORS[i % CURVE_COLORS.length], width: 2,
    value: (_, v) => (v == null ? "–" : format(v)),
  })));
  const text = cssColor("--text", "#000");
  const axis = { stroke: text, grid: { stroke: "rgba(127,127,127,0.2)" } };
  const box = element("div");
  holder.append(box);
  return new uPlot({
    width: Math.min(holder.clientWidth || 360, 420), height: 200, series,
    axes: [axis, { ...axis, size: 56, values: (_, ticks) => ticks.map(tick) }],
    scales: { x: { time: false } }, cursor: { points: { size: 8 } },
  }, [steps].concat(arms.map(values)), box);
}

function runLabel(run) {
  return `#${run.id} · ${run.settings || "defaults"} · ${run.status}`;
}

loaders.runs = async () => {
  const { status, body } = await api("runs");
  if (status !== 200) return;
  const list = $("runs-list");
  list.replaceChildren();
  for (const run of body.runs) {
    const item = element("li", runLabel(run), "run");
    item.dataset.run = String(run.id);
    item.addEventListener("click", () => openRun(run.id));
    list.append(item);
  }
  if (!body.runs.length) list.append(element("li", "No runs yet: start one above, or send /distill in the chat."));
};

function drawCurves(curves) {
  const holder = $("run-chart");
  for (const chart of charts) chart.destroy();
  charts = [];
  chartCurves = curves;
  holder.replaceChildren();
  if (!curves || !window.uPlot) return;
  const percent = (digits) => (v) => `${(100 * v).toFixed(digits)}%`;
  const loss = (v) => v.toPrecision(3);
  charts = [
    curveChart(holder, curves.eval_steps, curves.arms, "accuracy", (arm) => arm.accuracy, percent(1), percent(0)),
    curveChart(holder, curves.loss_steps, curves.arms, "loss", (arm) => arm.loss, loss, (v) => v.toPrecision(2)),
  ];
  chartBox.observe(holder);
}

function showRun(run) {
  $("run-title").textContent = `Run #${run.id}: ${run.settings || "defaults"}`;
  const finished = !["queued", "running"].includes(run.status);
  $("run-status").textContent = finished ? run.status : run.progress == null ? run.status : `${run.status} · ${Math.round(100 * run.progress)}%`;
  $("run-progress").hidden = finished;
  $("run-progress").value = run.progress || 0;
  const metrics = $("run-metrics");
  metrics.replaceChildren();
  for (const [key, value] of Object.entries(run.metrics)) {
    if (typeof value === "object") continue;
    const dd = element("dd", typeof value === "number" ? String(Math.round(value * 10000) / 10000) : String(value));
    dd.dataset.metric = key;
    metrics.append(element("dt", key), dd);
  }
  drawCurves(run.metrics.curves);
  return finished;
}

async function openRun(runId) {
  clearTimeout(polling);
  $("run-detail").hidden = false;
  const { status, body } = await api(`runs/${runId}`);
  if (status !== 200) return;
  if (!showRun(body)) {
    polling = setTimeout(() => openRun(runId), 700);
  } else {
    loaders.runs();
  }
}

async function startRun(event) {
  event.preventDefault();
  const error = $("run-settings-error");
  const note = $("run-settings-note");
  error.hidden = true;
  note.hidden = true;
  const settings = $("run-settings").value;
  const { status, body } = await api("runs", { method: "POST", body: JSON.stringify({ settings }) });
  if (status !== 201) {
    error.textContent = (body.error || "The run could not start.").replace(/`/g, "");
    error.hidden = false;
    return;
  }
  if (body.starts_in_s > 0) {
    // As /distill answers: a run inside the pause between a user's runs waits its turn.
    note.textContent = `⏳ Queued: starts in ${body.starts_in_s} s, after the pause between your runs.`;
    note.hidden = false;
  }
  await loaders.runs();
  openRun(body.id);
}

// ---------------------------------------------------------------- start

// The client switched light and dark: new colours, and everything drawn with the old ones
// (the KL canvas, an open run's charts) drawn again.
function themeChanged() {
  applyTheme();
  if (shown) loaders[shown]();
  if (chartCurves) drawCurves(chartCurves);
}

function main() {
  if (tg) {
    tg.ready();
    tg.expand();
    if (tg.onEvent) tg.onEvent("themeChanged", themeChanged);
  }
  applyTheme();
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.addEventListener("click", () => show(tab.dataset.page));
  }
  $("drop-close").addEventListener("click", closeDrop);
  $("t-slider").addEventListener("input", drawTemperature);
  $("t-preset").addEventListener("change", (event) => usePreset(Number(event.target.value)));
  $("kl-mean").addEventListener("input", drawKl);
  $("kl-std").addEventListener("input", drawKl);
  $("kl-min-forward").addEventListener("click", () => minimise("forward"));
  $("kl-min-reverse").addEventListener("click", () => minimise("reverse"));
  dragStudent();
  $("run-form").addEventListener("submit", startRun);
  if (!initData) showProblem("Open this page from the bot in Telegram: it needs Telegram's sign-in.");
  show(startPage());
}

main();
