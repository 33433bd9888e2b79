// The studio's web UI: plain JavaScript over the JSON API, no build step. Text in English and Chinese.
"use strict";

const TEXT = {
  en: {
    studio: "studio", catalog: "Catalog", build: "Build", jobs: "Jobs", logout: "Log out", login: "Log in",
    token: "API token", "token-hint": "Ask your admin for one: fitcontent tokens create NAME",
    "new-build": "New build", exercises: "Exercises", angles: "Camera angles", errors: "Form errors",
    "errors-all": "All common errors", "errors-none": "Correct form only", layouts: "Videos", formats: "Formats",
    language: "Language on screen", submit: "Build", job: "Job", what: "What", state: "State",
    progress: "Progress", by: "By", "approve-title": "Approve the preview",
    "approve-hint": "Check the pose preview below. The shots you approve are made with the video model.",
    approve: "Approve and render", cancel: "Cancel job", gallery: "Gallery", downloads: "Downloads",
    "export-course": "Course package", "export-marketing": "Marketing cuts", render: "After I approve the preview, make it with the video model (GPU)",
    preview: "Pose preview", "render-stage": "Video model", shots: "clips", renders: "videos", primary: "Primary",
    secondary: "Secondary", cues: "Coaching cues", "common-errors": "Common errors", correct: "Correct form",
    "looks-like": "Looks like", fix: "Fix", variations: "variations", nothing: "Nothing yet.",
    queued: "queued", running: "running", awaiting_approval: "waiting for approval", done: "done",
    failed: "failed", cancelled: "cancelled", "pick-one": "Pick at least one exercise.", making: "Making…",
    demo: "Demo", comparison: "Right vs wrong", "error-grid": "Error grid", "angle-grid": "Angle grid",
    lesson: "Lesson", variations_kind: "Variations", length: "Clip length", "length-default": "As the catalog says",
  },
  zh: {
    studio: "工作室", catalog: "动作库", build: "制作", jobs: "任务", logout: "退出", login: "登录",
    token: "API 令牌", "token-hint": "请向管理员索取：fitcontent tokens create 名称",
    "new-build": "新建制作", exercises: "动作", angles: "机位", errors: "常见错误",
    "errors-all": "全部常见错误", "errors-none": "仅正确动作", layouts: "视频类型", formats: "画幅",
    language: "画面文字语言", submit: "开始制作", job: "任务", what: "内容", state: "状态",
    progress: "进度", by: "提交人", "approve-title": "审核预览",
    "approve-hint": "请检查下方的姿态预览。审核通过的镜头将由视频模型生成。",
    approve: "通过并生成", cancel: "取消任务", gallery: "作品", downloads: "下载",
    "export-course": "课程包", "export-marketing": "营销短片", render: "预览审核通过后，用视频模型（GPU）生成",
    preview: "姿态预览", "render-stage": "视频模型", shots: "片段", renders: "成片", primary: "主要肌群",
    secondary: "辅助肌群", cues: "教练提示", "common-errors": "常见错误", correct: "正确动作",
    "looks-like": "表现", fix: "纠正", variations: "个变式", nothing: "暂无内容。",
    queued: "排队中", running: "进行中", awaiting_approval: "等待审核", done: "已完成",
    failed: "失败", cancelled: "已取消", "pick-one": "请至少选择一个动作。", making: "制作中…",
    demo: "示范", comparison: "正误对比", "error-grid": "错误合集", "angle-grid": "多机位", variations_kind: "变式",
    lesson: "课程", length: "片段时长", "length-default": "按动作库设定",
  },
};
let lang = localStorage.getItem("fitcontent.lang") || "en";
let stream = null;
let catalogCache = null;
const $ = (selector) => document.querySelector(selector);
const t = (key) => TEXT[lang][key] ?? TEXT.en[key] ?? key;
const named = (text) => (text && (text[lang] || text.en)) || "";

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function call(method, path, body) {
  const answer = await fetch(path, {
    method, credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await answer.json().catch(() => ({}));
  if (answer.status === 401 && path !== "/api/login") { show("login"); throw new Error(data.detail || "401"); }
  if (!answer.ok) {
    const detail = typeof data.detail === "string" ? data.detail
      : (data.detail || []).map((d) => `${d.loc.join(".")}: ${d.msg}`).join("; ");
    throw new Error(detail || `HTTP ${answer.status}`);
  }
  return data;
}

function report(error) {
  const box = $("#error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

function translate() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  $("#lang").textContent = lang === "en" ? "中文" : "English";
}

function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== `${view}-view`;
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.hash === `#${view}`));
  if (view === "login") { $("#nav").hidden = true; $("#logout").hidden = true; $("#who").textContent = ""; }
}

async function route() {
  report(null);
  if (stream) { stream.close(); stream = null; }
  const [view, id] = (location.hash.slice(1) || "jobs").split("/");
  try {
    const me = await call("GET", "/api/me");
    $("#who").textContent = me.name;
    $("#nav").hidden = false; $("#logout").hidden = false;
    if (view === "catalog") await showCatalog(id);
    else if (view === "build") await showBuild();
    else if (view === "job" && id) await showJob(id);
    else await showJobs();
  } catch (error) { if (!$("#login-view").hidden) return; report(error); }
}

async function catalog() {
  catalogCache = catalogCache || await call("GET", "/api/catalog");
  return catalogCache;
}

async function showCatalog(id) {
  show("catalog");
  const cards = await catalog();
  $("#movements").replaceChildren(...cards.map((m) => el("article", { class: "card movement", onclick: () => { location.hash = `#catalog/${m.id}`; } },
    el("h3", { text: named(m.name) }),
    el("div", { class: "muted", text: `${m.category} · ${m.variations.length} ${t("variations")}` }),
    el("div", { class: "tags" }, ...m.muscles.primary.map((x) => el("span", { text: named(x) }))))));
  const box = $("#movement");
  box.hidden = !id;
  if (!id) return;
  const m = await call("GET", `/api/catalog/${encodeURIComponent(id)}`);
  const still = (form) => el("img", { src: `/api/catalog/${m.id}/stills/${form}.png`, alt: form, loading: "lazy" });
  box.replaceChildren(
    el("h2", { text: named(m.name) }),
    el("p", {}, el("strong", { text: `${t("primary")}: ` }), m.muscles.primary.map(named).join(", "),
      el("br"), el("strong", { text: `${t("secondary")}: ` }), m.muscles.secondary.map(named).join(", ")),
    el("h3", { text: t("cues") }),
    el("ul", {}, ...m.cues.map((c) => el("li", { text: named(c) }))),
    el("h3", { text: t("common-errors") }),
    el("div", { class: "errors" },
      el("figure", {}, still("correct"), el("figcaption", {}, el("strong", { text: t("correct") }))),
      ...m.errors.map((e) => el("figure", {}, still(e.id), el("figcaption", {},
        el("strong", { text: named(e.name) }),
        el("div", { class: "muted", text: `${t("looks-like")}: ${named(e.looks_like)}` }),
        el("div", { class: "muted", text: `${t("fix")}: ${named(e.correction)}` }))))));
  box.scrollIntoView({ behavior: "smooth" });
}

function choices(box, name, items, checked) {
  box.replaceChildren(...items.map((item) => el("label", {},
    el("input", { type: "checkbox", name, value: item.id, ...(checked(item) ? { checked: "" } : {}) }),
    ` ${item.label}`)));
}

async function showBuild() {
  show("build");
  const [cards, options] = [await catalog(), await call("GET", "/api/options")];
  choices($("#f-exercises"), "exercises", cards.map((m) => ({ id: m.id, label: named(m.name) })), (m) => m.id === "squat");
  choices($("#f-angles"), "angles", options.angles.map((a) => ({ id: a.id, label: named(a.name) })), (a) => a.id === "front");
  choices($("#f-layouts"), "layouts", options.layouts.map((k) => ({ id: k, label: t(k === "variations" ? "variations_kind" : k) })), (k) => ["demo", "comparison"].includes(k.id));
  choices($("#f-formats"), "formats", options.formats.map((f) => ({ id: f, label: f })), (f) => f.id === "16:9");
}

async function submitBuild(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const exercises = form.getAll("exercises");
  if (!exercises.length) { report(t("pick-one")); return; }
  const request = { exercises, angles: form.getAll("angles"), errors: [form.get("errors")], lang: form.get("lang"),
    layouts: form.getAll("layouts").length ? form.getAll("layouts") : ["none"], formats: form.getAll("formats") };
  if (form.get("seconds")) request.seconds = Number(form.get("seconds"));
  if (!request.angles.length) delete request.angles;
  if (!request.formats.length) delete request.formats;
  $("#submit").disabled = true;
  try {
    const job = await call("POST", "/api/jobs", { request, render: form.get("render") === "on" });
    location.hash = `#job/${job.id}`;
  } catch (error) { report(error); } finally { $("#submit").disabled = false; }
}

function counts(progress) {
  const done = Object.values(progress || {}).filter((v) => typeof v === "string").length;
  return [done, Object.keys(progress || {}).length];
}

function bar(share) { return el("div", { class: "bar" }, el("div", { style: `width:${Math.round(share * 100)}%` })); }

function totalShare(job) {
  const stages = Object.values(job.progress || {});
  const all = stages.flatMap((s) => Object.values(s).flatMap((items) => Object.values(items)));
  if (!all.length) return 0;
  return all.reduce((sum, v) => sum + (typeof v === "string" ? 1 : v), 0) / all.length;
}

async function showJobs() {
  show("jobs");
  const jobs = await call("GET", "/api/jobs");
  const rows = jobs.map((job) => el("tr", { onclick: () => { location.hash = `#job/${job.id}`; }, "data-job": job.id },
    el("td", {}, el("code", { text: job.id })),
    el("td", { text: `${job.request.exercises.join(", ")} · ${(job.request.angles || ["…"]).join(", ")}` }),
    el("td", {}, el("span", { class: `badge ${job.state}`, text: t(job.state) })),
    el("td", {}, bar(job.state === "done" ? 1 : totalShare(job))),
    el("td", { text: job.owner })));
  $("#jobs-table tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 5, text: t("nothing") }))]));
}

function drawJob(job, artifacts) {
  $("#job-id").textContent = job.id;
  const badge = $("#job-state");
  badge.className = `badge ${job.state}`; badge.textContent = t(job.state);
  $("#job-progress").replaceChildren(...["preview", "render"].filter((s) => job.progress[s]).map((stage) => {
    const here = job.progress[stage];
    return el("div", { class: "stage" }, el("strong", { text: t(stage === "preview" ? "preview" : "render-stage") }),
      ...["shots", "renders"].filter((w) => here[w]).map((what) => {
        const [done, total] = counts(here[what]);
        const share = total ? Object.values(here[what]).reduce((s, v) => s + (typeof v === "string" ? 1 : v), 0) / total : 0;
        return el("div", {}, el("div", { class: "row" }, el("span", { text: t(what) }), el("span", { text: `${done} / ${total}` })), bar(share));
      }));
  }));
  const error = $("#job-error");
  error.hidden = !job.error; error.textContent = job.error || "";
  $("#approval").hidden = job.state !== "awaiting_approval";
  if (artifacts) drawArtifacts(job, artifacts);
}

function drawArtifacts(job, artifacts) {
  const stage = artifacts.render.length ? "render" : "preview";
  const all = artifacts[stage];
  const renders = all.filter((a) => a.kind !== "clip");
  const clips = all.filter((a) => a.kind === "clip");
  const shown = renders.length ? renders : clips;
  $("#gallery").replaceChildren(...(shown.length ? shown.map((a) => el("figure", { class: "card video" },
    el("video", { src: a.url, controls: "", muted: "", playsinline: "", preload: "metadata", poster: a.poster ? a.url.slice(0, a.url.length - a.path.length) + a.poster : undefined }),
    el("figcaption", { text: `${t(a.kind) || a.kind} · ${a.id}` }))) : [el("p", { class: "muted", text: t("nothing") })]));
  $("#downloads").replaceChildren(...all.map((a) => el("li", {}, el("a", { href: a.url, download: "", text: a.path }))));
  if (job.state === "awaiting_approval") {
    const ids = [...new Set(artifacts.preview.filter((a) => a.kind === "clip").map((a) => a.id.replace(/\.overlays$/, "")))];
    $("#approve-shots").replaceChildren(...ids.map((id) => el("label", {}, el("input", { type: "checkbox", value: id, checked: "" }), ` ${id}`)));
  }
}

async function showJob(id) {
  show("job");
  $("#exports").replaceChildren();
  let job = await call("GET", `/api/jobs/${id}`);
  drawJob(job, await call("GET", `/api/jobs/${id}/artifacts`));
  if (["queued", "running"].includes(job.state)) {
    stream = new EventSource(`/api/jobs/${id}/events`);
    stream.addEventListener("job", async (event) => {
      const before = job.state;
      job = JSON.parse(event.data);
      drawJob(job, before !== job.state ? await call("GET", `/api/jobs/${id}/artifacts`) : null);
    });
    stream.onerror = () => { stream.close(); };
  }
}

async function act(button, work) {
  button.disabled = true;
  try { await work(); } catch (error) { report(error); } finally { button.disabled = false; }
}

function exportFiles(kind) {
  const id = $("#job-id").textContent;
  return act($(`#export-${kind}`), async () => {
    const made = await call("POST", `/api/jobs/${id}/exports/${kind}?lang=${lang}`);
    $("#exports").replaceChildren(...made.files.map((url) => el("li", {}, el("a", { href: url, download: "", text: url.split("/").slice(6).join("/") }))));
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  // Chinese drawn before its font arrives can stay as empty boxes in Chromium: load the font first
  await document.fonts.load('1em "Studio CJK"', "中文").catch(() => null);
  translate();
  $("#lang").addEventListener("click", () => { lang = lang === "en" ? "zh" : "en"; localStorage.setItem("fitcontent.lang", lang); translate(); route(); });
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await call("POST", "/api/login", { token: $("#token").value.trim() }); $("#token").value = ""; location.hash ||= "#jobs"; await route(); } catch (error) { report(error); }
  });
  $("#logout").addEventListener("click", async () => { await call("POST", "/api/logout"); show("login"); });
  $("#build-form").addEventListener("submit", submitBuild);
  $("#approve").addEventListener("click", () => act($("#approve"), async () => {
    const id = $("#job-id").textContent;
    const shots = [...document.querySelectorAll("#approve-shots input:checked")].map((i) => i.value);
    await call("POST", `/api/jobs/${id}/approve`, { shots });
    await route();
  }));
  $("#cancel").addEventListener("click", () => act($("#cancel"), async () => { await call("POST", `/api/jobs/${$("#job-id").textContent}/cancel`); await route(); }));
  $("#export-course").addEventListener("click", () => exportFiles("course"));
  $("#export-marketing").addEventListener("click", () => exportFiles("marketing"));
  window.addEventListener("hashchange", route);
  route();
});
