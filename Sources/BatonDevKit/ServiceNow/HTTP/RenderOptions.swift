/// How records are rendered, from the request's `sysparm_*` parameters.
struct RenderOptions: Sendable {
    enum DisplayValue: String, Sendable { case stored = "false", display = "true", all }

    var displayValue: DisplayValue = .stored
    var excludeReferenceLink = false
    /// `sysparm_fields`; empty means every field.
    var fields: [String] = []
    /// `https://host/api/now[/v2]`: reference links keep the version the caller used.
    var apiBase: String
}
