/// Chains as they happen: new ledger entries arrive over server-sent events and the
/// console's one script adds them to the table (as text, never as markup).
struct LivePage {
    func html(layout: ConsoleLayout) -> HTML {
        layout.page(
            "Live", section: .live, scripts: ["live.js"],
            """
            <p id="live-status" role="status">Connecting…</p>
            <noscript><p>The live view needs JavaScript; <a href="/console">search</a> works without it.</p></noscript>
            <div class="scroll"><table class="entries"><caption>Entries as they are written, newest first</caption><thead><tr>\
            <th scope="col">#</th><th scope="col">Time (UTC)</th><th scope="col">Chain</th><th scope="col">User</th><th scope="col">Agent</th>\
            <th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Resource</th><th scope="col">Outcome</th></tr></thead>\
            <tbody id="live-rows"></tbody></table></div>
            """)
    }
}
