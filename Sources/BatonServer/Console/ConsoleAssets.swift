/// The console's stylesheet and its one script, embedded in the binary and served from
/// `/console/assets/` (the Content-Security-Policy allows only these).
enum ConsoleAssets {
    static let files: [String: (contentType: String, body: String)] = [
        "console.css": ("text/css; charset=utf-8", stylesheet),
        "live.js": ("text/javascript; charset=utf-8", liveScript),
    ]

    /// Relative sizes throughout (rem, %), so the pages reflow at 200 % zoom; outcomes are
    /// written out as words, and the colours only repeat them.
    static let stylesheet = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; --accent: #0550ae;
          --allowed: #116329; --allowed-bg: #dafbe1; --denied: #953800; --denied-bg: #fff1e5; --error: #a40e26; --error-bg: #ffebe9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, main:focus { outline: 3px solid #fb8f44; outline-offset: 2px; }
        .skip { position: absolute; left: -100rem; }
        .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 2; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #24292f; color: #fff; }
        header a { color: #fff; }
        .brand { font-weight: 700; }
        nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
        nav a[aria-current] { font-weight: 700; text-decoration: underline 3px; }
        .account { margin-left: auto; display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
        main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.2rem; }
        button, .button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--line); border-radius: .4rem; background: var(--panel);
          color: var(--ink); cursor: pointer; text-decoration: none; display: inline-block; }
        form.search { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .25rem 1rem; padding: 1rem;
          background: var(--panel); border: 1px solid var(--line); border-radius: .5rem; margin-bottom: 1rem; }
        form.search p { margin: 0; display: flex; flex-direction: column; }
        form.search .actions { flex-direction: row; align-items: end; gap: 1rem; }
        label { font-weight: 600; font-size: .9rem; }
        input, select { font: inherit; padding: .3rem .4rem; border: 1px solid #8c959f; border-radius: .3rem; max-width: 100%; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: 1rem 0; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
        th, table.entries td:nth-child(2) { white-space: nowrap; }
        thead th { background: var(--panel); }
        tr:target { background: #fff8c5; }
        td.outcome-allowed, dd.outcome-allowed, p.outcome-allowed, li.outcome-allowed .outcome { color: var(--allowed); }
        td.outcome-denied, dd.outcome-denied, li.outcome-denied .outcome { color: var(--denied); font-weight: 700; }
        td.outcome-error, dd.outcome-error, p.outcome-error, li.outcome-error .outcome { color: var(--error); font-weight: 700; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        .facts dt { font-weight: 600; }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        .banner.failed { background: var(--error-bg); color: var(--error); border-bottom: 3px solid var(--error); padding: .75rem 1.5rem; }
        .problem { color: var(--error); font-weight: 600; }
        .timeline { list-style: none; padding: 0; border-left: 3px solid var(--line); margin-left: .5rem; }
        .timeline li { padding: .4rem 0 .4rem 1rem; position: relative; }
        .timeline li::before { content: ""; position: absolute; left: -.55rem; top: .85rem; width: .8rem; height: .8rem; border-radius: 50%; background: var(--line); }
        .timeline li.outcome-allowed::before { background: var(--allowed); }
        .timeline li.outcome-denied::before { background: var(--denied); }
        .timeline li.outcome-error::before { background: var(--error); }
        .timeline time { font-variant-numeric: tabular-nums; color: var(--muted); }
        .count { color: var(--muted); font-size: .85rem; }
        .days { display: flex; justify-content: space-between; max-width: 30rem; }
        figure.picture { margin: 1rem 0; overflow-x: auto; }
        figcaption { color: var(--muted); font-size: .9rem; }
        svg.chain .node rect { fill: var(--panel); stroke: var(--line); stroke-width: 1.5; }
        svg.chain .outcome-allowed rect { fill: var(--allowed-bg); stroke: var(--allowed); }
        svg.chain .outcome-denied rect { fill: var(--denied-bg); stroke: var(--denied); stroke-width: 3; stroke-dasharray: 6 3; }
        svg.chain .outcome-error rect { fill: var(--error-bg); stroke: var(--error); stroke-width: 3; }
        svg.chain .label { font-weight: 700; font-size: 14px; fill: var(--ink); }
        svg.chain .facts { font-size: 12px; fill: var(--muted); }
        svg.chain .edge { fill: none; stroke: #8c959f; stroke-width: 1.5; }
        svg.chain a:focus rect { stroke: #fb8f44; stroke-width: 4; }
        .empty, .status.unknown { color: var(--muted); }
        code { overflow-wrap: anywhere; }
        """

    /// Follows `/console/live/events` and adds each entry to the table with `textContent`,
    /// so nothing a ledger entry holds is ever parsed as markup.
    static let liveScript = """
        "use strict";
        (function () {
          const rows = document.getElementById("live-rows");
          const status = document.getElementById("live-status");
          if (!rows || !window.EventSource) { return; }
          const source = new EventSource("/console/live/events");
          source.addEventListener("open", function () { status.textContent = "Live: new entries appear at the top."; });
          source.addEventListener("error", function () { status.textContent = "Disconnected; retrying…"; });
          source.addEventListener("entry", function (event) {
            const entry = JSON.parse(event.data);
            const row = document.createElement("tr");
            const cell = function (text, className) {
              const td = document.createElement("td");
              td.textContent = text === undefined || text === null ? "" : String(text);
              if (className) { td.className = className; }
              row.appendChild(td);
              return td;
            };
            cell(entry.sequence);
            cell(entry.time);
            const chain = cell("");
            const link = document.createElement("a");
            link.href = "/console/chains/" + encodeURIComponent(entry.chain);
            link.textContent = entry.chain.slice(0, 8) + "…";
            chain.appendChild(link);
            cell(entry.user);
            cell(entry.agent);
            cell(entry.kind);
            cell(entry.target);
            cell(entry.resource);
            cell(entry.outcome, "outcome-" + entry.outcome);
            rows.insertBefore(row, rows.firstChild);
            while (rows.children.length > 500) { rows.removeChild(rows.lastChild); }
          });
        })();
        """
}
