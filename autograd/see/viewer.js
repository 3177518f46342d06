// The chaingrad step viewer: replays the page's step records on its one SVG (see viewer.py).
function chaingradViewer(box, api) {
  if (!box || box.cgViewer) return box && box.cgViewer;
  var D = JSON.parse(box.querySelector(".cg-data").textContent), P = D.p, n = D.n, cur = n, timer = null;
  var $ = function (s) { return box.querySelector(s); }, byId = function (i) { return box.querySelector("#" + CSS.escape(P + i)); };
  var view = $(".cg-view"), svg = view.querySelector("svg"), text = $(".cg-text"), pathBox = $(".cg-paths");
  var slider = $(".cg-slider"), pos = $(".cg-pos"), play = $('[data-go="play"]'), followBtn = $('[data-go="follow"]');
  var cells = D.names.map(function (_, k) { var t = byId("v" + k).querySelectorAll("text"); return [t[1], t[2]]; });
  var edges = {}; Object.keys(D.edges).forEach(function (e) { edges[e] = byId(e); });
  var W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height, vb = {x: 0, y: 0, s: 1}, follow = true;
  box.classList.add("cg-js"); svg.removeAttribute("width"); svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet"); $(".cg-controls").hidden = false;
  function setView() { svg.setAttribute("viewBox", [vb.x, vb.y, view.clientWidth / vb.s, view.clientHeight / vb.s].join(" ")); }
  function fit() { vb.s = Math.min(view.clientWidth / W, view.clientHeight / H);
    vb.x = (W - view.clientWidth / vb.s) / 2; vb.y = (H - view.clientHeight / vb.s) / 2; setView(); }
  function toUser(r) { var v = view.getBoundingClientRect();
    return {x: vb.x + (r.left - v.left) / vb.s, y: vb.y + (r.top - v.top) / vb.s, w: r.width / vb.s, h: r.height / vb.s}; }
  function centre(els) { var x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    els.forEach(function (el) { if (!el) return; var u = toUser(el.getBoundingClientRect());
      x0 = Math.min(x0, u.x); y0 = Math.min(y0, u.y); x1 = Math.max(x1, u.x + u.w); y1 = Math.max(y1, u.y + u.h); });
    if (x0 > x1) return;
    if (Math.min(view.clientWidth / W, view.clientHeight / H) >= 1) { fit(); return; }
    vb.s = Math.max(vb.s, 1.1);
    vb.x = (x0 + x1) / 2 - view.clientWidth / vb.s / 2; vb.y = (y0 + y1) / 2 - view.clientHeight / vb.s / 2; setView(); }
  function fitTo(els) { var x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    els.forEach(function (el) { var u = toUser(el.getBoundingClientRect());
      x0 = Math.min(x0, u.x); y0 = Math.min(y0, u.y); x1 = Math.max(x1, u.x + u.w); y1 = Math.max(y1, u.y + u.h); });
    if (x0 > x1) return;
    var m = 20 / vb.s; x0 -= m; y0 -= m; x1 += m; y1 += m;
    vb.s = Math.min(Math.max(vb.s, 1.1), view.clientWidth / (x1 - x0), view.clientHeight / (y1 - y0));
    vb.x = (x0 + x1) / 2 - view.clientWidth / vb.s / 2; vb.y = (y0 + y1) / 2 - view.clientHeight / vb.s / 2; setView(); }
  function zoom(f, cx, cy) { var w = view.clientWidth, h = view.clientHeight;
    cx = cx === undefined ? w / 2 : cx; cy = cy === undefined ? h / 2 : cy;
    var ux = vb.x + cx / vb.s, uy = vb.y + cy / vb.s; vb.s = Math.max(0.02, Math.min(8, vb.s * f));
    vb.x = ux - cx / vb.s; vb.y = uy - cy / vb.s; setView(); }
  function setFollow(on) { follow = on; followBtn.setAttribute("aria-pressed", on ? "true" : "false"); }
  var shown = {};
  function put(el, cls) { if (el && shown[el.id] !== cls) { shown[el.id] = cls; el.setAttribute("class", cls); } }
  function show(i, quiet) {
    cur = Math.max(0, Math.min(n, i));
    var data = D.data.slice(), grad = D.grad ? D.grad.slice() : null, ec = Object.assign({}, D.edges);
    for (var j = 0; j < cur; j++) { var r = D.steps[j];
      r.s.forEach(function (c) { (c[1] ? grad : data)[c[0]] = c[2]; }); r.x.forEach(function (x) { ec[x[0]] = x[1]; }); }
    var r = cur ? D.steps[cur - 1] : null, now = {}, hl = {};
    if (r) { r.cur.forEach(function (e) { now[e] = 1; }); r.h.forEach(function (k) { hl[k] = 1; }); }
    cells.forEach(function (c, k) { if (c[0].textContent !== data[k]) c[0].textContent = data[k];
      if (grad && c[1].textContent !== grad[k]) c[1].textContent = grad[k];
      var g = byId("v" + k), base = g.getAttribute("class").replace(/ cg-hl/g, ""); put(g, base + (hl[k] ? " cg-hl" : "")); });
    Object.keys(edges).forEach(function (e) { put(edges[e], "edge " + (now[e] ? "cur " : "") + ec[e]); });
    text.innerHTML = ""; (r ? r.c : D.start).split("\n").forEach(function (line) {
      var d = document.createElement("div"); d.textContent = line; text.appendChild(d); });
    slider.value = cur; pos.textContent = "step " + cur + " of " + n; box.setAttribute("data-current", cur);
    boxes.forEach(function (b) { if (b.label) b.label.textContent = (data[b.out] || "") + (grad ? "  " + grad[b.out] : ""); });
    if (follow && r) centre(r.h.map(function (k) { return byId("v" + k); }));
    if (api && api.onStep && !quiet) api.onStep(cur);
  }
  // clusters: collapse into one box showing the output's data and grad; click to expand
  var boxes = (D.clusters || []).map(function (c, j) { return {el: byId("c" + j), m: c.m, out: c.out, key: c.key, open: true}; });
  function layoutBoxes() {
    var hidden = {};
    boxes.forEach(function (b) { if (!b.open) b.m.forEach(function (k) { hidden[k] = 1; }); });
    D.names.forEach(function (_, k) { var h = hidden[k] ? "none" : "";
      byId("v" + k).style.display = h; var op = byId("v" + k + "op"); if (op) op.style.display = h; });
    Object.keys(edges).forEach(function (e) { var m = e.match(/^[eo](\d+)(?:_(\d+))?$/), k = +m[1], inner = hidden[k];
      if (e[0] === "e") inner = hidden[k] && hidden[childOf[e]] && sameBox(k, childOf[e]);
      edges[e].style.display = inner ? "none" : ""; });
    boxes.forEach(function (b, j) { var outer = boxes.some(function (o) { return !o.open && o !== b && o.m.length > b.m.length && o.m.indexOf(b.out) >= 0; });
      if (b.cover) b.cover.style.display = (!b.open && !outer) ? "" : "none";
      Array.prototype.forEach.call(b.el.children, function (ch) { if (ch.tagName !== "title") ch.style.display = (outer || !b.open) ? "none" : ""; }); });
  }
  var childOf = {}; D.kids.forEach(function (ks, k) { ks.forEach(function (c, i) { childOf["e" + k + "_" + i] = c; }); });
  function sameBox(a, b) { return boxes.some(function (o) { return !o.open && o.m.indexOf(a) >= 0 && o.m.indexOf(b) >= 0; }); }
  boxes.forEach(function (b) {
    var bb = b.el.querySelector("polygon, path").getBBox(), NS = "http://www.w3.org/2000/svg";
    var g = document.createElementNS(NS, "g"), rect = document.createElementNS(NS, "rect");
    g.setAttribute("class", "cg-box"); g.setAttribute("id", b.el.id + "-box");
    [["x", bb.x], ["y", bb.y], ["width", bb.width], ["height", bb.height], ["rx", 8]].forEach(function (a) { rect.setAttribute(a[0], a[1]); });
    g.appendChild(rect);
    b.inner = !boxes.some(function (o) { return o !== b && o.key.indexOf(b.key + ".") === 0; });
    var size = Math.max(12, Math.min(bb.height / 3.5, bb.width / (0.62 * Math.max(b.key.length, 26))));
    [b.key, ""].forEach(function (t, i) { var tx = document.createElementNS(NS, "text");
      tx.setAttribute("x", bb.x + bb.width / 2); tx.setAttribute("y", bb.y + bb.height / 2 + (i ? 1.05 : -0.35) * size);
      tx.setAttribute("font-size", size);
      tx.setAttribute("text-anchor", "middle"); tx.textContent = t; g.appendChild(tx); if (i) b.label = tx; });
    g.style.display = "none"; b.el.parentNode.appendChild(g); b.cover = g;
    g.addEventListener("click", function (ev) { ev.stopPropagation(); b.open = true; layoutBoxes(); });
    b.el.addEventListener("click", function (ev) { if (ev.target.closest(".node")) return; ev.stopPropagation(); b.open = false; layoutBoxes(); show(cur); });
  });
  // paths: click a leaf to see its paths to the output one by one, with the running sum
  var pathAt = {}, HINT = D.paths ? "Click an input or parameter to see its paths to the output, one by one." : "";
  pathBox.textContent = HINT;
  function clearPath() { box.querySelectorAll(".cg-path").forEach(function (el) { el.classList.remove("cg-path"); }); }
  function showPath(k) {
    var info = D.paths && D.paths[k]; if (!info) return;
    var i = pathAt[k] === undefined ? 0 : (pathAt[k] + 1) % Math.max(1, info.paths.length); pathAt[k] = i;
    clearPath();
    if (!info.paths.length) { pathBox.textContent = D.names[k] + ": no path to the output"; return; }
    var p = info.paths[i], els = [byId("v" + k)];
    p[0].forEach(function (h) { els.push(byId("e" + h[0] + "_" + h[1]), byId("v" + h[0] + "op"), byId("o" + h[0]), byId("v" + h[0])); });
    els.forEach(function (el) { if (el) el.classList.add("cg-path"); });
    var last = i === info.paths.length - 1;
    pathBox.textContent = "∂" + D.names[D.names.length - 1] + "/∂" + D.names[k] + ": path " + (i + 1) + " of " + info.count +
      ": " + [D.names[k]].concat(p[0].map(function (h) { return D.names[h[0]]; })).join(" → ") + "   product " + p[1] +
      "\nrunning sum " + p[2] + (last ? (info.complete ? "  = " + info.grad + " (all paths)" : "   " + info.note) : "   (click again: next path)");
    fitTo(els.filter(function (el) { return el; }));
  }
  box.querySelectorAll(".node.input, .node.param").forEach(function (g) {
    g.addEventListener("click", function (ev) { ev.stopPropagation(); var k = +g.id.slice(P.length + 1); showPath(k); });
  });
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6 play"; } }
  function go(what) {
    if (what === "play") { if (timer) { stop(); return; } if (cur === n) show(0);
      play.textContent = "\u275A\u275A pause"; timer = setInterval(function () { if (cur >= n) stop(); else show(cur + 1); }, 900); return; }
    if (what === "zoomin") return zoom(1.25); if (what === "zoomout") return zoom(0.8);
    if (what === "fit") { setFollow(false); return fit(); }
    if (what === "follow") { setFollow(!follow); if (follow) show(cur); return; }
    if (what === "collapse" || what === "expand") { // collapse: the innermost boxes (a neuron each)
      boxes.forEach(function (b) { b.open = what === "expand" || !b.inner; }); layoutBoxes(); return show(cur); }
    stop(); show(what === "first" ? 0 : what === "last" ? n : what === "prev" ? cur - 1 : cur + 1);
  }
  box.addEventListener("click", function (e) { var b = e.target.closest("[data-go]"); if (b) go(b.getAttribute("data-go")); });
  slider.addEventListener("input", function () { stop(); show(+slider.value); });
  box.addEventListener("keydown", function (e) {
    var k = {ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "last", "+": "zoomin", "=": "zoomin",
             "-": "zoomout", "0": "fit", f: "follow", " ": "play"}[e.key];
    if (k) { go(k); e.preventDefault(); } if (e.key === "Escape") { clearPath(); pathBox.textContent = HINT; }
  });
  view.addEventListener("wheel", function (e) { e.preventDefault(); var v = view.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - v.left, e.clientY - v.top); }, {passive: false});
  var drag = null;
  view.addEventListener("pointerdown", function (e) { drag = {x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, moved: false}; });
  window.addEventListener("pointermove", function (e) { if (!drag) return; var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; view.classList.add("cg-drag"); setFollow(false); }
    vb.x = drag.vx - dx / vb.s; vb.y = drag.vy - dy / vb.s; if (drag.moved) setView(); });
  window.addEventListener("pointerup", function () { drag = null; view.classList.remove("cg-drag"); });
  fit(); layoutBoxes(); show(api && api.start !== undefined ? api.start : 0, true);
  box.cgViewer = {show: show, go: go, current: function () { return cur; }, fit: fit, zoom: zoom, scale: function () { return vb.s; },
                  showPath: showPath, setFollow: setFollow, boxes: boxes, layoutBoxes: layoutBoxes};
  return box.cgViewer;
}
