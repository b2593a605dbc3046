/* orchestrator pages: live updates by polling the JSON endpoints API clients use (about once a
   second, stopping when the build is done). Text from the server is only ever put in the page with
   textContent, never parsed as HTML, so a `<script>` in a log or a job name stays text. */
"use strict";

const POLL_MS = 1000;
const CONSOLE_TAIL_BYTES = 256 * 1024;   // a log over 1 MiB opens at its last 256 KiB
const root = () => document.body.dataset.root || "/";

/* ------------------------------------------------------------ HTTP */
let crumbPromise = null;
function crumbHeaders() {
  // CSRF crumb for cookie-authenticated POSTs (Jenkins' crumbIssuer); none when crumbs are off
  if (!crumbPromise) {
    crumbPromise = fetch(root() + "crumbIssuer/api/json", {credentials: "same-origin"})
      .then(r => (r.ok ? r.json() : null))
      .then(c => (c && c.crumbRequestField ? {[c.crumbRequestField]: c.crumb} : {}))
      .catch(() => ({}));
  }
  return crumbPromise;
}

async function post(url, body) {
  const send = async () => {
    const headers = Object.assign({}, await crumbHeaders());
    if (body) headers["Content-Type"] = "application/x-www-form-urlencoded";
    return fetch(url, {method: "POST", headers, body: body || null, credentials: "same-origin", redirect: "manual"});
  };
  let r = await send();
  if (r.status === 403 && /crumb/i.test(r.headers.get("X-Error") || "")) {
    // the crumb is bound to the session: signed in or out in another tab since this page loaded.
    // The refused POST did nothing, so ask for a fresh crumb and send it once more.
    crumbPromise = null;
    r = await send();
  }
  return r;
}

const succeeded = r => r.ok || r.type === "opaqueredirect";
const errorText = async r => r.headers.get("X-Error") || (await r.text()).trim() || `HTTP ${r.status}`;
const loginUrl = () => `${root()}login?from=${encodeURIComponent(location.pathname)}`;

async function showRefusal(target, r) {
  // a refused POST says why (the server's 403/401 text); when the session ended, offer to sign in again
  const text = await errorText(r);
  target.replaceChildren(el("span", null, text));
  target.classList.add("error");
  if (r.status === 401 || /^Authentication required/.test(text)) {
    const link = el("a", "login", "Sign in");
    link.href = loginUrl();
    target.append(" ", link);
  }
}

function accessLost(r) {
  // a poll refused with 401/403: the session ended or the permission went away; say so once, keep polling
  if (r.status !== 401 && r.status !== 403) return;
  if (document.getElementById("access-lost")) return;
  const note = el("p", "notice error", "You are no longer signed in, or no longer allowed to see this page. ");
  note.id = "access-lost";
  note.setAttribute("role", "alert");
  const link = el("a", "login", "Sign in again");
  link.href = loginUrl();
  note.appendChild(link);
  document.querySelector("main").prepend(note);
}
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function duration(ms) {
  if (ms == null || ms < 0) return "";
  if (ms < 1000) return `${ms} ms`;
  let s = Math.floor(ms / 1000);
  if (s < 60) return `${s} sec`;
  let m = Math.floor(s / 60); s %= 60;
  if (m < 60) return `${m} min ${s} sec`;
  const h = Math.floor(m / 60); m %= 60;
  return `${h} hr ${m} min`;
}

/* ------------------------------------------------------------ ANSI colours -> spans */
class AnsiRenderer {
  constructor(target) {
    this.target = target;
    this.pending = "";           // an escape sequence cut by a chunk boundary
    this.reset();
  }
  reset() { this.bold = this.faint = this.italic = this.underline = false; this.fg = this.bg = null; }

  write(text) {
    text = this.pending + text;
    this.pending = "";
    const cut = text.lastIndexOf("\x1b");
    if (cut >= 0 && !/^\x1b(\[[0-9;?]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[^[\]])/.test(text.slice(cut))) {
      this.pending = text.slice(cut);
      text = text.slice(0, cut);
    }
    const sequence = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^[\]]?/g;
    const fragment = document.createDocumentFragment();
    let last = 0, m;
    while ((m = sequence.exec(text)) !== null) {
      if (m.index > last) fragment.appendChild(this.span(text.slice(last, m.index)));
      if (m[2] === "m") this.sgr(m[1]);
      last = sequence.lastIndex;
    }
    if (last < text.length) fragment.appendChild(this.span(text.slice(last)));
    this.target.appendChild(fragment);
  }

  span(text) {
    const classes = [];
    if (this.bold) classes.push("ansi-bold");
    if (this.faint) classes.push("ansi-faint");
    if (this.italic) classes.push("ansi-italic");
    if (this.underline) classes.push("ansi-underline");
    if (typeof this.fg === "number") classes.push(`ansi-fg-${this.fg}`);
    if (typeof this.bg === "number") classes.push(`ansi-bg-${this.bg}`);
    const lineStart = this.atLineStart !== false;
    this.atLineStart = text.endsWith("\n");
    if (classes.length || typeof this.fg === "string" || typeof this.bg === "string") {
      const node = el("span", classes.join(" "), text);
      if (typeof this.fg === "string") node.style.color = this.fg;
      if (typeof this.bg === "string") node.style.backgroundColor = this.bg;
      return node;
    }
    // plain text: Jenkins' `[Pipeline] ...` lines are drawn dim
    const fragment = document.createDocumentFragment();
    text.split(/(?<=\n)/).forEach((line, i) => {
      const pipeline = (i > 0 || lineStart) && line.startsWith("[Pipeline]");
      fragment.appendChild(pipeline ? el("span", "pipeline", line) : document.createTextNode(line));
    });
    return fragment;
  }

  sgr(params) {
    const codes = params === "" ? [0] : params.split(";").map(p => parseInt(p || "0", 10));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) this.reset();
      else if (c === 1) this.bold = true;
      else if (c === 2) this.faint = true;
      else if (c === 3) this.italic = true;
      else if (c === 4) this.underline = true;
      else if (c === 22) this.bold = this.faint = false;
      else if (c === 23) this.italic = false;
      else if (c === 24) this.underline = false;
      else if (c >= 30 && c <= 37) this.fg = c - 30;
      else if (c >= 90 && c <= 97) this.fg = c - 90 + 8;
      else if (c === 39) this.fg = null;
      else if (c >= 40 && c <= 47) this.bg = c - 40;
      else if (c >= 100 && c <= 107) this.bg = c - 100 + 8;
      else if (c === 49) this.bg = null;
      else if (c === 38 || c === 48) {
        const [colour, used] = extendedColour(codes, i + 1);
        if (c === 38) this.fg = colour; else this.bg = colour;
        i += used;
      }
    }
  }
}

function extendedColour(codes, i) {
  // 38;5;N (256 colours) and 38;2;R;G;B (true colour) -> a palette index or an rgb() string
  const clamp = v => Math.max(0, Math.min(255, v | 0));
  if (codes[i] === 5) {
    const n = clamp(codes[i + 1]);
    if (n < 16) return [n, 2];
    if (n >= 232) { const g = 8 + (n - 232) * 10; return [`rgb(${g},${g},${g})`, 2]; }
    const v = n - 16, steps = [0, 95, 135, 175, 215, 255];
    return [`rgb(${steps[Math.floor(v / 36)]},${steps[Math.floor(v / 6) % 6]},${steps[v % 6]})`, 2];
  }
  if (codes[i] === 2) return [`rgb(${clamp(codes[i + 1])},${clamp(codes[i + 2])},${clamp(codes[i + 3])})`, 4];
  return [null, 0];
}

/* ------------------------------------------------------------ stage graph */
function renderStages(container, stages) {
  container.replaceChildren();
  if (!stages.length) { container.appendChild(el("p", "empty", "No stages yet.")); return; }
  for (const stage of stages) container.appendChild(stageNode(stage));
}

function stageNode(stage) {
  const node = el("div", `stage ${stage.state}`);
  node.dataset.name = stage.name;
  node.dataset.state = stage.state;
  node.title = `${stage.name}: ${stage.state}`;
  const label = el("div", "label");
  label.appendChild(el("span", "ball"));
  label.appendChild(el("span", "name", stage.name));
  node.appendChild(label);
  node.appendChild(el("div", "time", stage.state === "skipped" ? "skipped" : duration(stage.totalDurationMillis)));
  if (stage.children && stage.children.length) {
    const parallel = stage.children.some(c => c.type === "PARALLEL");
    const children = el("div", `children ${parallel ? "parallel" : "sequential"}`);
    for (const child of stage.children) children.appendChild(stageNode(child));
    node.appendChild(children);
  }
  return node;
}

/* ------------------------------------------------------------ build page */
async function buildPage(box) {
  const url = box.dataset.buildUrl;
  const consoleEl = document.getElementById("console");
  const graph = document.getElementById("stage-graph");
  const inputs = document.getElementById("inputs");
  const abort = document.getElementById("abort-button");
  const abortStatus = document.getElementById("abort-status");
  const abortRefusal = box.dataset.abortRefusal || "";
  const inputRefusal = box.dataset.inputRefusal || "";
  const ansi = new AnsiRenderer(consoleEl);
  const decoder = new TextDecoder("utf-8");
  let offset = 0;

  abort.addEventListener("click", async () => {
    abort.disabled = true;
    abortStatus.classList.remove("error");
    abortStatus.textContent = "Aborting…";
    const r = await post(url + "stop");
    if (succeeded(r)) return;
    abort.disabled = false;
    await showRefusal(abortStatus, r);
  });

  async function followConsole() {
    // progressiveText: bytes from `start`, X-Text-Size = the next offset, X-More-Data while running
    const r = await fetch(`${url}logText/progressiveText?start=${offset}`, {credentials: "same-origin"});
    if (!r.ok) return false;
    const bytes = await r.arrayBuffer();
    const atBottom = consoleEl.scrollHeight - consoleEl.scrollTop - consoleEl.clientHeight < 40;
    if (bytes.byteLength) ansi.write(decoder.decode(bytes, {stream: true}));
    offset = parseInt(r.headers.get("X-Text-Size") || String(offset + bytes.byteLength), 10);
    if (atBottom) consoleEl.scrollTop = consoleEl.scrollHeight;
    return r.headers.get("X-More-Data") === "true";
  }

  async function refreshGraph() {
    const r = await fetch(url + "pipeline-graph/tree", {credentials: "same-origin"});
    if (r.ok) renderStages(graph, (await r.json()).data.stages);
  }

  async function refreshInputs(running) {
    let actions = [];
    if (running) {
      const r = await fetch(url + "wfapi/pendingInputActions", {credentials: "same-origin"});
      if (r.ok) actions = await r.json();
    }
    const shown = inputs.dataset.ids || "";
    const ids = actions.map(a => a.id).join(",");
    if (ids === shown) return;
    inputs.dataset.ids = ids;
    inputs.replaceChildren();
    inputs.hidden = !actions.length;
    for (const action of actions) {
      const row = el("div", "input");
      row.dataset.inputId = action.id;
      row.appendChild(el("span", "message", action.message));
      const proceed = el("button", "primary proceed", action.proceedText || "Proceed");
      const reject = el("button", "danger abort", "Abort");
      const answer = async (button, target) => {
        proceed.disabled = reject.disabled = true;
        const r = await post(target);
        if (succeeded(r)) return;
        proceed.disabled = reject.disabled = false;
        const why = row.querySelector(".error") || row.appendChild(el("span", "error"));
        await showRefusal(why, r);
      };
      proceed.type = reject.type = "button";
      proceed.addEventListener("click", () => answer(proceed, `${url}input/${encodeURIComponent(action.id)}/proceedEmpty`));
      reject.addEventListener("click", () => answer(reject, root() + action.abortUrl.replace(/^\//, "")));
      row.appendChild(proceed);
      row.appendChild(reject);
      const refused = inputRefusal || action.refusal;   // Job/Build, then the input's submitter list
      if (refused) {   // seen, not answerable: say why instead of failing on click
        proceed.disabled = reject.disabled = true;
        row.appendChild(el("span", "refusal", refused));
      }
      inputs.appendChild(row);
    }
  }

  function showStatus(build) {
    const running = build.building;
    const result = running ? "In progress" : build.result;
    const resultEl = document.getElementById("build-result");
    resultEl.textContent = result;
    resultEl.className = `result ${(result || "").toLowerCase()}`;
    document.getElementById("build-duration").textContent =
      duration(running ? Date.now() - build.timestamp : build.duration);
    const ball = document.querySelector("#build-ball .ball");
    ball.className = `ball ${running ? "nobuilt anime" : COLOURS[build.result] || "nobuilt"}`;
    ball.title = result;
    abort.hidden = !running || Boolean(abortRefusal);
    if (!running) abortStatus.textContent = "";
    box.dataset.running = running ? "true" : "false";
  }

  // a huge log: show its tail, as Jenkins' console page does, with a link to the whole text
  try {
    const probe = await fetch(`${url}logText/progressiveText?start=${Number.MAX_SAFE_INTEGER}`,
                              {credentials: "same-origin"});
    const size = parseInt(probe.headers.get("X-Text-Size") || "0", 10);
    if (size > CONSOLE_TAIL_BYTES * 4) {
      offset = size - CONSOLE_TAIL_BYTES;
      const note = el("span", "skipped", `Skipping ${Math.round(offset / 1024)} KB… `);
      const full = el("a", null, "Full log");
      full.href = url + "consoleText";
      note.appendChild(full);
      consoleEl.appendChild(note);
      consoleEl.appendChild(document.createTextNode("\n"));
    }
  } catch (e) { /* read from the start */ }

  let running = box.dataset.running === "true";
  while (true) {
    try {
      const r = await fetch(url + "api/json?tree=building,result,duration,timestamp", {credentials: "same-origin"});
      accessLost(r);
      if (r.ok) {
        const build = await r.json();
        running = build.building;
        let more = await followConsole();
        while (!running && more) more = await followConsole();   // the whole tail once it finished
        await Promise.all([refreshGraph(), refreshInputs(running)]);
        showStatus(build);
      }
    } catch (e) { /* the server restarting: try again next round */ }
    if (!running) { box.dataset.done = "true"; return; }
    await sleep(POLL_MS);
  }
}

/* ------------------------------------------------------------ job page: Build / Build with Parameters */
function buildForm(form) {
  const status = document.getElementById("build-status");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const body = new URLSearchParams();
    for (const field of form.elements) {
      if (!field.name) continue;
      if (field.dataset.kind === "boolean") body.append(field.name, field.checked ? "true" : "false");
      else if (field.dataset.kind === "password" && field.value === "") continue;   // keep the default
      else body.append(field.name, field.value);
    }
    const button = document.getElementById("build-button");
    button.disabled = true;
    status.textContent = "Scheduling…";
    status.classList.remove("error");
    try {
      const r = await post(form.getAttribute("action"), body.toString());
      if (r.status !== 201) {
        await showRefusal(status, r);
        button.disabled = false;
        return;
      }
      const item = r.headers.get("Location");
      status.textContent = "Waiting in the queue…";
      for (let i = 0; i < 600; i++) {
        const q = await fetch(item + "api/json", {credentials: "same-origin"});
        if (q.ok) {
          const data = await q.json();
          if (data.executable) { window.location.href = new URL(data.executable.url).pathname; return; }
          if (data.cancelled) throw new Error("The queue item was cancelled");
          if (data.why) status.textContent = data.why;
        }
        await sleep(POLL_MS / 2);
      }
      throw new Error("The build did not start");
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
      button.disabled = false;
    }
  });
}

/* ------------------------------------------------------------ job page: live build history */
const COLOURS = {SUCCESS: "blue", UNSTABLE: "yellow", FAILURE: "red", ABORTED: "aborted", NOT_BUILT: "nobuilt"};

async function jobHistory(table, jobUrl) {
  // while a build of this job runs or waits, redraw the history every second; stop when all are done
  const tree = "inQueue,builds[number,url,result,building,timestamp,duration]{0,50}";
  let active = table.dataset.active === "true";
  while (active) {
    await sleep(POLL_MS);
    try {
      const r = await fetch(`${jobUrl}api/json?tree=${encodeURIComponent(tree)}`, {credentials: "same-origin"});
      accessLost(r);
      if (!r.ok) continue;
      const job = await r.json();
      renderHistory(table, job.builds);
      active = job.inQueue || job.builds.some(b => b.building);
    } catch (e) { /* try again next round */ }
  }
  table.dataset.active = "false";
}

function renderHistory(table, builds) {
  const now = Date.now();
  const rows = builds.map(b => {
    const tr = el("tr");
    tr.dataset.number = b.number;
    const ball = el("span", `ball ${b.building ? "nobuilt anime" : COLOURS[b.result] || "nobuilt"}`);
    ball.title = b.building ? "running" : b.result;
    const s = el("td", "s");
    s.appendChild(ball);
    const link = el("a", null, `#${b.number}`);
    link.href = new URL(b.url).pathname;
    const number = el("td");
    number.appendChild(link);
    const result = b.building ? "running" : b.result || "";
    const cells = [["Started", `${duration(now - b.timestamp)} ago`, ""],
                   ["Duration", duration(b.building ? now - b.timestamp : b.duration), ""],
                   ["Result", result, `result ${result.toLowerCase()}`]].map(([label, text, cls]) => {
      const td = el("td", cls, text);
      td.dataset.label = label;
      return td;
    });
    tr.append(s, number, ...cells);
    return tr;
  });
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = !rows.length;
  const empty = document.getElementById("no-builds");
  if (empty) empty.hidden = rows.length > 0;
}

/* ------------------------------------------------------------ configuration-as-code page */
function reloadForm(form) {
  const out = document.getElementById("reload-result");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const button = document.getElementById("reload-button");
    button.disabled = true;
    out.hidden = false;
    out.className = "reload-result";
    out.replaceChildren(el("span", null, "Reloading…"));
    try {
      const r = await post(form.getAttribute("action"));
      const text = await r.text();
      const ok = succeeded(r);
      out.className = `reload-result ${ok ? "ok" : "failed"}`;
      const title = ok ? "Configuration reloaded."
        : r.status === 404 ? "Reloading is not available on this server (HTTP 404)."
        : `The configuration was not reloaded (HTTP ${r.status}); the running configuration is unchanged.`;
      out.replaceChildren(el("strong", null, title));
      let detail = text.trim();
      try {
        const data = JSON.parse(text);
        const errors = data.errors || (data.error ? [data.error] : null);
        detail = errors ? errors.map(e => (typeof e === "string" ? e : JSON.stringify(e))).join("\n")
                        : JSON.stringify(data, null, 2);
      } catch (e) { /* plain text answer */ }
      if (!detail && !ok) detail = r.headers.get("X-Error") || "";
      if (detail) out.appendChild(el("pre", null, detail));
      if (ok) await refreshExport();
    } catch (e) {
      out.className = "reload-result failed";
      out.replaceChildren(el("strong", null, `Reload failed: ${e.message}`));
    } finally {
      button.disabled = false;
    }
  });
}

async function refreshExport() {
  // the page itself renders the current (redacted) export: take its sections from a fresh copy
  const r = await fetch(window.location.pathname, {credentials: "same-origin"});
  if (!r.ok) return;
  const fresh = new DOMParser().parseFromString(await r.text(), "text/html");
  for (const id of ["casc-export", "casc-error"]) {
    const now = document.getElementById(id), next = fresh.getElementById(id);
    const section = n => (n ? n.closest("section") || n : null);
    if (now && next) section(now).replaceWith(section(next));
    else if (now) section(now).remove();
    else if (next) document.querySelector("main").appendChild(section(next));
  }
}

/* ------------------------------------------------------------ start */
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("build");
  if (box) buildPage(box);
  const form = document.getElementById("build-form");
  if (form) buildForm(form);
  const history = document.getElementById("history");
  if (history && form) jobHistory(history, form.dataset.jobUrl);
  const reload = document.getElementById("reload-form");
  if (reload) reloadForm(reload);
});
