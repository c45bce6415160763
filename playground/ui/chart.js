// The live chart: mounts Plotly.js once per element, then applies every update in place.
// data = {traces: [JSON text per trace], layout: JSON text, height: px or null, events: ["click", "select"]}
// A trace whose text equals the last one drawn stays the same object, so Plotly.react sees it unchanged.
// Plotly.react with a constant layout.uirevision keeps a user's zoom, pan and legend toggles across updates.
const PLOTLY_SRC = "app/static/plotly.min.js";   // served by Streamlit's static serving (see chart.py)

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__pgPlotly) {
    window.__pgPlotly = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL(PLOTLY_SRC, window.location.href).href;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { window.__pgPlotly = null; reject(new Error("plotly.js did not load")); };
      document.head.appendChild(s);
    });
  }
  return window.__pgPlotly;
}

function bindEvents(div, events, setTriggerValue) {
  const pick = (pts) => (pts || []).map((p) => ({
    x: p.x, y: p.y, curve: p.curveNumber, index: p.pointIndex, customdata: p.customdata ?? null,
  }));
  if (events.includes("click")) div.on("plotly_click", (e) => setTriggerValue("click", pick(e.points)));
  if (events.includes("select")) div.on("plotly_selected", (e) => e && setTriggerValue("select", pick(e.points)));
}

function draw(div) {
  const spec = div.__pgNext;
  div.__pgNext = null;
  div.__pgDrawn = spec || div.__pgDrawn;
  if (!spec) { div.__pgBusy = false; return; }
  let done;
  const t0 = performance.now();
  try {
    const before = div.__pgTexts || [];
    const data = spec.traces.map((text, i) => (text === before[i] ? div.__pgTraces[i] : JSON.parse(text)));
    const sameTraces = before.length === spec.traces.length && spec.traces.every((t, i) => t === before[i]);
    div.__pgTexts = spec.traces;
    div.__pgTraces = data;
    const layout = JSON.parse(spec.layout);
    layout.autosize = true;
    delete layout.width;
    if (layout.uirevision === undefined) layout.uirevision = "keep";
    // everything but the layout images, to see whether only they changed (the boundary's background)
    const rest = JSON.stringify(Object.assign({}, layout, { images: null }));
    const onlyImages = div.__pgMounted && sameTraces && rest === div.__pgRest;
    div.__pgRest = rest;
    const config = Object.assign({ responsive: true, displaylogo: false }, spec.config || {});
    done = onlyImages
      ? window.Plotly.relayout(div, { images: layout.images || [] })   // redraws the images only (~1 ms, not ~30)
      : div.__pgMounted
      ? window.Plotly.react(div, data, layout, config)
      : window.Plotly.newPlot(div, data, layout, config).then((gd) => {
          div.__pgMounted = true;
          div.dataset.mounts = String(+(div.dataset.mounts || 0) + 1);
          bindEvents(div, spec.events || [], div.__pgTrigger);
          return gd;
        });
  } catch (err) {
    done = Promise.reject(err);
  }
  Promise.resolve(done).then(() => {
    showCaption(div, spec.caption);
    div.dataset.updates = String(+(div.dataset.updates || 0) + 1);   // read by tests and bench/bench_live.py
    div.dataset.drawMs = String(Math.round(performance.now() - t0));
  }, (err) => {
    div.dataset.errors = String(+(div.dataset.errors || 0) + 1);
    console.error("live chart:", err);
  }).finally(() => {
    if (div.__pgNext) requestAnimationFrame(() => draw(div));          // a newer spec came in meanwhile
    else div.__pgBusy = false;
  });
}

function showCaption(div, text) {
  const cap = div.__pgCaption;
  if (cap.textContent !== (text || "")) cap.textContent = text || "";
}

function applyFrame(div, frame) {
  // an earlier state of this update: a relayout (the boundary's background image: ~1-3 ms), skipped when a
  // draw is still running (the browser is behind: the newest state matters more)
  if (!div.__pgMounted || div.__pgBusy) return;
  showCaption(div, frame.caption);
  window.Plotly.relayout(div, frame.layout || {}).then(() => {
    div.dataset.updates = String(+(div.dataset.updates || 0) + 1);
  }, (err) => console.error("live chart frame:", err));
}

function schedule(div, spec) {
  div.__pgNext = spec;                    // only the newest spec is drawn: updates faster than frames coalesce
  if (div.__pgBusy) return;
  div.__pgBusy = true;
  loadPlotly().then(() => requestAnimationFrame(() => draw(div)), () => { div.__pgBusy = false; });
}

function play(div, spec) {
  // spread this update's earlier states over most of the time updates take to arrive (a moving average:
  // ticks vary, and a state cut by an early next update is lost), then draw the spec itself
  const now = performance.now();
  const gap = div.__pgArrival ? now - div.__pgArrival : Infinity;
  div.__pgArrival = now;
  div.__pgGap = gap > 1000 ? 250 : 0.8 * div.__pgGap + 0.2 * Math.max(gap, 40);   // > 1 s: playing (re)starts
  clearTimeout(div.__pgTimer);
  const frames = spec.playback ? JSON.parse(spec.playback) : [];
  if (!frames.length || !div.__pgMounted) { schedule(div, spec); return; }
  const step = (0.7 * div.__pgGap) / (frames.length + 1);   // done well before the next update is due
  let i = 0;
  const next = () => {
    if (i < frames.length) {
      applyFrame(div, frames[i++]);
      div.__pgTimer = setTimeout(next, step);
    } else {
      schedule(div, spec);
    }
  };
  next();
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let div = parentElement.querySelector(".pg-chart");
  if (!div) {
    const box = document.createElement("div");
    box.className = "pg-box";
    div = document.createElement("div");
    div.className = "pg-chart";
    const cap = document.createElement("div");
    cap.className = "pg-caption";
    box.append(div, cap);
    parentElement.appendChild(box);
    div.__pgCaption = cap;
  }
  div.__pgTrigger = setTriggerValue;
  if (!data) return;
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  const last = div.__pgSpec;
  if (last && last.layout === spec.layout && last.playback === spec.playback && last.caption === spec.caption
      && last.traces.length === spec.traces.length && spec.traces.every((t, i) => t === last.traces[i])) return;
  div.__pgSpec = spec;                    // the same figure again (a slow chart re-sent): nothing to draw
  div.style.height = spec.height ? `${spec.height}px` : "";
  play(div, spec);
}
