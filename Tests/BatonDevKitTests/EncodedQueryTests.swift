import Foundation
import Testing

@testable import BatonDevKit

@Suite("Encoded queries: tokenising, operators, dynamic values")
struct EncodedQueryTests {
    static let me = "user-me"
    let evaluator = QueryEvaluator(
        session: QuerySession(
            userID: EncodedQueryTests.me, userName: "jane.smith", groupIDs: ["g1", "g2"], now: Date(timeIntervalSince1970: 1_800_000_000))
    ) { record, path in (record[path] ?? "", record[path + "#display"], record[path + "#display"] != nil) }

    func matching(_ query: String, _ records: [[String: String]]) throws -> [String] {
        let parsed = try EncodedQuery(parsing: query)
        return try records.filter { try evaluator.matches($0, parsed) }.map { $0["id"]! }
    }

    let records: [[String: String]] = [
        [
            "id": "a", "active": "true", "priority": "1", "assigned_to": "user-me", "assigned_to#display": "Jane Smith",
            "short_description": "VPN down", "group": "g1",
        ],
        [
            "id": "b", "active": "true", "priority": "2", "assigned_to": "other", "assigned_to#display": "Beth Anglin",
            "short_description": "vpn slow", "group": "g3",
        ],
        ["id": "c", "active": "false", "priority": "10", "assigned_to": "", "short_description": "a^b literal", "group": "g2"],
    ]

    @Test("^OR binds tighter than ^, ^NQ ORs whole groups, ^ORDERBY is not an OR")
    func precedence() throws {
        #expect(try matching("active=true^priority=1^ORpriority=2", records) == ["a", "b"])
        #expect(try matching("active=true^priority=2^NQactive=false", records) == ["b", "c"])
        let parsed = try EncodedQuery(parsing: "active=true^ORDERBYDESCpriority^ORDERBYshort_description^EQ")
        #expect(parsed.ordering == [.init(field: "priority", descending: true), .init(field: "short_description", descending: false)])
        #expect(parsed.groups.count == 1 && parsed.groups[0].count == 1)
    }

    @Test("operators: LIKE and STARTSWITH on display values, IN, ISEMPTY, numeric < and >, != and ^^")
    func operators() throws {
        #expect(try matching("short_descriptionLIKEVPN", records) == ["a", "b"])
        #expect(try matching("assigned_toSTARTSWITHjane", records) == ["a"])
        #expect(try matching("priorityIN2,10", records) == ["b", "c"])
        #expect(try matching("assigned_toISEMPTY", records) == ["c"])
        #expect(try matching("priority<3", records) == ["a", "b"], "numbers compare numerically: 10 is not < 3")
        #expect(try matching("priority>2", records) == ["c"])
        #expect(try matching("active!=true", records) == ["c"])
        #expect(try matching("short_description=a^^b literal", records) == ["c"])
    }

    @Test("dynamic values: gs.getUserID(), getMyGroups(), DYNAMIC Me; unsupported scripts are refused")
    func dynamicValues() throws {
        #expect(try matching("assigned_to=javascript:gs.getUserID()", records) == ["a"])
        #expect(try matching("group=javascript:getMyGroups()", records) == ["a", "c"])
        #expect(try matching("assigned_toDYNAMIC90d1921e5f510100a9ad2572f2b477fe", records) == ["a"])
        #expect(throws: QueryError.self) { try matching("assigned_to=javascript:gs.eval('x')", records) }
        #expect(throws: QueryError.self) { try EncodedQuery(parsing: "Priority=1") }
    }

    @Test("conditions on unknown fields are dropped and the rest applies")
    func unknownFields() throws {
        let parsed = try EncodedQuery(parsing: "nosuchfield=1^active=true").droppingConditions { $0 == "nosuchfield" }
        #expect(try records.filter { try evaluator.matches($0, parsed) }.map { $0["id"]! } == ["a", "b"])
    }
}
