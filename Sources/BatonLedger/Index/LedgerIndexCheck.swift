/// Checks that the query index hides no entry: every entry up to the index's watermark
/// has each of its index rows.
///
/// The index is derived, and queries re-check every entry they return against its record,
/// so a damaged index cannot make a query report something that did not happen; it could
/// only make a query miss an entry. This check finds such an entry by deriving each
/// entry's rows again and looking each up.
public enum LedgerIndexCheck {
    /// The first entry the index would hide from a query, or `nil` when it hides none;
    /// also how far the index reaches.
    public static func firstHidden(reader: LedgerReader, batchSize: Int = 65_536) async throws -> (hidden: Int64?, indexedThrough: Int64) {
        let watermark = try await LedgerSearch.reach(of: reader).watermark
        guard let index = reader.index, watermark > 0 else { return (nil, 0) }
        var from: Int64 = 0
        while from < watermark {
            let rows = try await IndexRows.read(from: reader.records, after: from, through: watermark, limit: batchSize)
            guard let last = rows.lastSequence else { break }
            if let hidden = try await index.firstMissing(rows.rows) { return (hidden, watermark) }
            from = last
        }
        return (nil, watermark)
    }
}
