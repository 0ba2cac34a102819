/// One row of an emulated table: every value a string, as the Table API stores and returns them.
public typealias ServiceNowRecord = [String: String]

extension ServiceNowRecord {
    var sysID: String { self["sys_id"] ?? "" }
}
