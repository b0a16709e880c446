"""The plan page's style and script, inline so the page is one self-contained file (its CSP allows no other)."""

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#212121}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
#digest{border:2px solid #1565c0;background:#e3f2fd;padding:.6em 1em;border-radius:6px}
#digest code.value{font-size:1.2em;font-weight:bold;word-break:break-all}
.warn{background:#fff3e0;border-left:4px solid #ef6c00;padding:.4em .8em}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
#totals td{text-align:right}#decisions{width:100%}tr.dispose td.action{color:#c62828;font-weight:bold}
tr.archive td.action{color:#ef8f00;font-weight:bold}tr.not-candidate{color:#757575}
svg text{font-size:12px;fill:#212121}#decisions th{cursor:pointer;user-select:none;white-space:nowrap}
#decisions th[aria-sort=ascending]::after{content:" \\25B2"}
#decisions th[aria-sort=descending]::after{content:" \\25BC"}
"""

SCRIPT = """
const text = document.getElementById("filter"), action = document.getElementById("action-filter");
const rows = Array.from(document.querySelectorAll("#decisions tbody tr"));
const shown = document.getElementById("shown");
function update() {
  const q = text.value.trim().toLowerCase(), a = action.value;
  let n = 0;
  for (const row of rows) {
    const show = (!a || row.dataset.action === a) && (!q || row.textContent.toLowerCase().includes(q));
    row.hidden = !show;
    if (show) n++;
  }
  shown.textContent = String(n);
}
text.addEventListener("input", update);
action.addEventListener("change", update);
update();
// Sorting: a click on a column's header sorts by it (again: the other way); numbers by value, the rest as text.
const body = document.querySelector("#decisions tbody");
const headers = Array.from(document.querySelectorAll("#decisions thead th"));
headers.forEach((th, column) => th.addEventListener("click", () => {
  const descending = th.getAttribute("aria-sort") === "ascending";
  headers.forEach(h => h.removeAttribute("aria-sort"));
  th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  const key = row => row.cells[column].dataset.sort ?? row.cells[column].textContent;
  const numeric = th.dataset.type === "number";
  const collator = new Intl.Collator(undefined, {numeric: true});
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const number = v => (v === "" ? Infinity : Number(v));
    const order = numeric ? number(x) - number(y) : collator.compare(x, y);
    return descending ? -order : order;
  });
  body.append(...rows);
}));
"""

# Inline styles and the script above only: no request of any kind leaves the page.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
