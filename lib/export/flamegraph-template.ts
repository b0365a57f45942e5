// The page `toFlameGraphHtml` fills in: `{{TITLE}}` (HTML-escaped) and
// `{{DATA}}` (FlameGraphData as script-safe JSON), each exactly once. Plain
// ES2017 with no dependency, so the file opens in any current browser,
// offline. The script never recurses (call trees can be 65,535 frames deep)
// and builds text with textContent only: function and file names are data.
// No backticks or dollar-brace in here: this is a TS template literal.

/** @internal */
export const FLAMEGRAPH_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
  :root { --row: 18px; --ink: #1d1d1f; --muted: #5f6368; --line: #d0d4da; --match: #e040fb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
  header { padding: 12px 16px 8px; border-bottom: 1px solid var(--line); background: #f8f9fa; position: sticky; top: 0; z-index: 2; }
  h1 { margin: 0 0 4px; font-size: 17px; font-weight: 600; }
  #mode { font-weight: 600; }
  #mode.exact { color: #137333; }
  #mode.estimated { color: #b06000; }
  .summary, .note { color: var(--muted); margin: 2px 0; }
  .controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
  #search { width: 320px; max-width: 60vw; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; font: inherit; }
  button { padding: 4px 10px; border: 1px solid var(--line); border-radius: 4px; background: #fff; font: inherit; cursor: pointer; }
  button:hover { background: #eef1f4; }
  #matched { color: var(--muted); min-width: 12em; }
  .legend { display: flex; gap: 12px; margin-left: auto; color: var(--muted); }
  .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; vertical-align: -1px; }
  #chart { position: relative; margin: 8px 16px 24px; user-select: none; }
  .frame { position: absolute; height: calc(var(--row) - 1px); padding: 0 4px; overflow: hidden; white-space: nowrap;
    text-overflow: ellipsis; font: 12px/17px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #000;
    border-radius: 2px; cursor: pointer; }
  .frame:hover { outline: 1px solid #000; z-index: 1; }
  .frame .loc { color: rgba(0, 0, 0, 0.55); }
  .frame.match .loc { color: rgba(255, 255, 255, 0.8); }
  .frame.ancestor { opacity: 0.55; }
  .frame.match { background: var(--match) !important; color: #fff; }
  #tooltip { position: fixed; z-index: 3; max-width: 560px; padding: 6px 8px; border-radius: 4px; pointer-events: none;
    background: rgba(32, 33, 36, 0.95); color: #fff; font-size: 12px; box-shadow: 0 2px 6px rgba(0,0,0,.3); }
  #tooltip b { display: block; word-break: break-all; }
  #tooltip .where { color: #bdc1c6; word-break: break-all; }
  #empty { margin: 24px 16px; color: var(--muted); }
</style>
</head>
<body data-orientation="icicle">
<header>
  <h1>{{TITLE}}</h1>
  <p class="summary"><span id="mode"></span> <span id="totals"></span></p>
  <p class="note">Click a frame to zoom in, Escape to zoom out. Lines are where each function starts: V8 records no other.</p>
  <div class="controls">
    <input id="search" type="search" placeholder="Search functions and files" aria-label="Search functions and files">
    <span id="matched"></span>
    <button id="reset" type="button">Reset zoom</button>
    <button id="toggle" type="button">Flame view</button>
    <span class="legend"><span><i style="background:hsl(20,90%,62%)"></i>your code</span><span><i style="background:hsl(110,45%,58%)"></i>node_modules</span><span><i style="background:hsl(205,55%,68%)"></i>node:</span><span><i style="background:hsl(0,0%,75%)"></i>V8</span></span>
  </div>
</header>
<div id="chart"></div>
<p id="empty" hidden>No allocations in this snapshot.</p>
<div id="tooltip" hidden></div>
<noscript><p>This flame graph needs JavaScript.</p></noscript>
<script type="application/json" id="data">{{DATA}}</script>
<script>
(function () {
  'use strict';
  var ROW = 18;
  var MIN_WIDTH = 0.5;
  var D = JSON.parse(document.getElementById('data').textContent);
  var n = D.parent.length;
  var parent = D.parent;

  // Totals, depths and children: parents come before children in the data.
  var total = D.selfSize.slice();
  var totalCount = D.selfCount.slice();
  var depth = new Array(n);
  var children = new Array(n);
  var i;
  for (i = 0; i < n; i++) children[i] = [];
  depth[0] = 0;
  for (i = 1; i < n; i++) {
    depth[i] = depth[parent[i]] + 1;
    children[parent[i]].push(i);
  }
  for (i = n - 1; i > 0; i--) {
    total[parent[i]] += total[i];
    totalCount[parent[i]] += totalCount[i];
  }
  for (i = 0; i < n; i++) children[i].sort(function (a, b) { return total[b] - total[a]; });

  function name(node) { return D.strings[D.name[node]]; }
  function where(node) {
    var file = D.strings[D.file[node]];
    return D.line[node] > 0 ? file + ':' + D.line[node] : file;
  }
  function shortWhere(node) {
    var file = D.strings[D.file[node]];
    var base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\\\')) + 1);
    return D.line[node] > 0 ? base + ':' + D.line[node] : base;
  }
  function label(node) { return node === 0 ? 'all' : name(node) + ' (' + where(node) + ')'; }

  function formatSize(bytes) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var value = bytes;
    for (var u = 0; u < units.length; u++) {
      if (Math.abs(value) < 1024 || u === units.length - 1) {
        return (u === 0 ? String(Math.round(value)) : value.toFixed(1)) + ' ' + units[u];
      }
      value /= 1024;
    }
    return String(bytes);
  }
  function formatCount(count) { return Math.round(count).toLocaleString('en-US'); }
  function percent(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + '%' : '0%'; }
  var approx = D.exact ? '' : '\\u2248 ';

  function hash(text) {
    var h = 0;
    for (var k = 0; k < text.length; k++) h = (h * 31 + text.charCodeAt(k)) | 0;
    return Math.abs(h);
  }
  function color(node) {
    if (node === 0) return 'hsl(0,0%,82%)';
    var file = D.strings[D.file[node]];
    var h = hash(name(node));
    if (file === name(node) || file === '<unknown>') return 'hsl(0,0%,' + (70 + h % 10) + '%)';
    if (file.indexOf('node:') === 0) return 'hsl(' + (195 + h % 25) + ',55%,' + (64 + h % 10) + '%)';
    if (/[\\\\/]node_modules[\\\\/]/.test(file)) return 'hsl(' + (95 + h % 35) + ',45%,' + (55 + h % 10) + '%)';
    return 'hsl(' + (h % 50) + ',90%,' + (58 + h % 12) + '%)';
  }

  var chart = document.getElementById('chart');
  var tooltip = document.getElementById('tooltip');
  var search = document.getElementById('search');
  var matchedText = document.getElementById('matched');
  var toggle = document.getElementById('toggle');
  var zoom = 0;
  var orientation = 'icicle';
  var matches = null;

  var mode = document.getElementById('mode');
  if (D.exact) {
    mode.textContent = 'Exact:';
    mode.className = 'exact';
  } else {
    mode.textContent = 'Estimated (sampling interval ' + formatSize(D.interval) + '):';
    mode.className = 'estimated';
  }
  document.getElementById('totals').textContent =
    approx + formatSize(total[0]) + ' in ' + approx + formatCount(totalCount[0]) + ' objects, from ' +
    formatCount(D.samples) + (D.exact ? ' allocations' : ' samples') + '; traceback limit ' + D.tracebackLimit +
    (D.timestamp > 0 ? '; taken ' + new Date(D.timestamp).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '') + '.';
  if (total[0] === 0) document.getElementById('empty').hidden = false;

  function render() {
    var width = chart.clientWidth;
    var boxes = [];
    var maxDepth = 0;
    // The zoomed frame's callers stay drawn full width, dimmed: click one to zoom out to it.
    for (var a = parent[zoom]; a >= 0; a = parent[a]) boxes.push([a, 0, width, true]);
    var stack = [[zoom, 0]];
    var scale = total[zoom] > 0 ? width / total[zoom] : 0;
    while (stack.length > 0) {
      var top = stack.pop();
      var node = top[0];
      var w = node === zoom ? width : total[node] * scale;
      if (w < MIN_WIDTH) continue;
      boxes.push([node, top[1], w, false]);
      if (depth[node] > maxDepth) maxDepth = depth[node];
      var x = top[1];
      var kids = children[node];
      for (var k = 0; k < kids.length; k++) {
        stack.push([kids[k], x]);
        x += total[kids[k]] * scale;
      }
    }
    var fragment = document.createDocumentFragment();
    for (var b = 0; b < boxes.length; b++) {
      var box = boxes[b];
      var el = document.createElement('div');
      var row = orientation === 'icicle' ? depth[box[0]] : maxDepth - depth[box[0]];
      el.className = 'frame' + (box[3] ? ' ancestor' : '') + (matches && matches[box[0]] ? ' match' : '');
      el.dataset.node = String(box[0]);
      el.style.left = box[1] + 'px';
      el.style.width = Math.max(box[2] - 1, 0.5) + 'px';
      el.style.top = row * ROW + 'px';
      el.style.background = color(box[0]);
      if (box[2] > 24) el.textContent = box[0] === 0 ? 'all' : name(box[0]);
      if (box[2] > 160 && box[0] !== 0) {
        var loc = document.createElement('span');
        loc.className = 'loc';
        loc.textContent = ' ' + shortWhere(box[0]);
        el.appendChild(loc);
      }
      fragment.appendChild(el);
    }
    chart.textContent = '';
    chart.style.height = (maxDepth + 1) * ROW + 'px';
    chart.appendChild(fragment);
    document.body.dataset.orientation = orientation;
    document.body.dataset.zoom = String(zoom);
  }

  function showTooltip(node, event) {
    tooltip.textContent = '';
    var title = document.createElement('b');
    title.textContent = node === 0 ? 'all' : name(node);
    tooltip.appendChild(title);
    if (node !== 0) {
      var place = document.createElement('div');
      place.className = 'where';
      place.textContent = where(node);
      tooltip.appendChild(place);
    }
    var lines = [
      'Size: ' + approx + formatSize(total[node]) + ' (' + percent(total[node], total[0]) + ' of all' +
        (zoom !== 0 ? ', ' + percent(total[node], total[zoom]) + ' of zoom' : '') + ')',
      // Sampled: the 95% interval of the total and the samples behind it (docs/error-bars.md).
      D.exact ? null : '\\u00b1 ' + formatSize((D.totalSizeHigh[node] - D.totalSizeLow[node]) / 2) + ' (95%: ' +
        formatSize(D.totalSizeLow[node]) + ' to ' + formatSize(D.totalSizeHigh[node]) + ', ' +
        formatCount(D.totalSamples[node]) + ' samples)',
      'Self: ' + approx + formatSize(D.selfSize[node]),
      'Objects: ' + approx + formatCount(totalCount[node]) + ' (self ' + formatCount(D.selfCount[node]) + ')'
    ];
    for (var l = 0; l < lines.length; l++) {
      if (lines[l] === null) continue;
      var div = document.createElement('div');
      div.textContent = lines[l];
      tooltip.appendChild(div);
    }
    tooltip.hidden = false;
    var x = Math.min(event.clientX + 12, window.innerWidth - tooltip.offsetWidth - 8);
    var y = event.clientY + 16;
    if (y + tooltip.offsetHeight > window.innerHeight) y = event.clientY - tooltip.offsetHeight - 8;
    tooltip.style.left = Math.max(x, 0) + 'px';
    tooltip.style.top = Math.max(y, 0) + 'px';
  }

  function nodeOf(target) {
    return target && target.dataset && target.dataset.node !== undefined ? Number(target.dataset.node) : -1;
  }
  chart.addEventListener('mousemove', function (event) {
    var node = nodeOf(event.target);
    if (node < 0) tooltip.hidden = true;
    else showTooltip(node, event);
  });
  chart.addEventListener('mouseleave', function () { tooltip.hidden = true; });
  chart.addEventListener('click', function (event) {
    var node = nodeOf(event.target);
    if (node < 0) return;
    zoom = node;
    render();
  });

  function applySearch() {
    var query = search.value.trim().toLowerCase();
    if (query === '') {
      matches = null;
      matchedText.textContent = '';
      render();
      return;
    }
    matches = new Uint8Array(n);
    var covered = new Uint8Array(n);
    var matchedSize = 0;
    for (var m = 1; m < n; m++) {
      if (label(m).toLowerCase().indexOf(query) >= 0) matches[m] = 1;
      // A match inside a matched frame is already counted in that frame's total.
      covered[m] = covered[parent[m]] || matches[parent[m]];
      if (matches[m] && !covered[m]) matchedSize += total[m];
    }
    matchedText.textContent = 'Matched: ' + percent(matchedSize, total[0]) + ' (' + approx + formatSize(matchedSize) + ')';
    render();
  }
  search.addEventListener('input', applySearch);

  document.getElementById('reset').addEventListener('click', function () { zoom = 0; render(); });
  toggle.addEventListener('click', function () {
    orientation = orientation === 'icicle' ? 'flame' : 'icicle';
    toggle.textContent = orientation === 'icicle' ? 'Flame view' : 'Icicle view';
    render();
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { zoom = 0; render(); }
  });
  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 100);
  });
  render();
})();
</script>
</body>
</html>
`;
