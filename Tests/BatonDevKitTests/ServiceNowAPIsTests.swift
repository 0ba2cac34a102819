import BatonConnectors
import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The emulator's APIs beyond the Table API: Aggregate, Attachment, Batch and Change — their
/// shapes, their ACLs and their answers to bad input (ServiceNow's error body, never a 5xx).
@Suite("The ServiceNow emulator: Aggregate, Attachment, Batch and Change Management APIs")
struct ServiceNowAPIsTests {
    @Test("Aggregate: a count, counts per priority with display values, sums and averages, having — of readable rows only")
    func aggregate() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.token()
            let all = try await sn.request("/api/now/stats/incident?sysparm_count=true", token: jane)
            #expect(all.status == 200, "\(all.body)")
            let stats = (all.json["result"] as? [String: Any])?["stats"] as? [String: Any]
            #expect(stats?["count"] as? String == "8", "11 incidents exist; the 3 HR and security ones are not Jane's to count")

            let mine = "active%3Dtrue%5Eassigned_to%3Djavascript:gs.getUserID()"
            let grouped = try await sn.request(
                "/api/now/stats/incident?sysparm_count=true&sysparm_group_by=priority&sysparm_display_value=true&sysparm_query=\(mine)", token: jane)
            let groups = try #require(grouped.json["result"] as? [[String: Any]], "\(grouped.body)")
            let counts = groups.reduce(0) { $0 + (Int((($1["stats"] as? [String: Any])?["count"] as? String) ?? "") ?? 0) }
            #expect(counts == ServiceNowSeed.janesOpenIncidents.count)
            let first = try #require((groups.first?["groupby_fields"] as? [[String: Any]])?.first)
            #expect(first["field"] as? String == "priority" && first["value"] as? String == "2" && first["display_value"] as? String == "2 - High")

            let sums = try await sn.request(
                "/api/now/stats/incident?sysparm_sum_fields=impact&sysparm_avg_fields=urgency&sysparm_min_fields=number&sysparm_query=\(mine)",
                token: jane)
            let sumStats = try #require((sums.json["result"] as? [String: Any])?["stats"] as? [String: Any], "\(sums.body)")
            #expect((sumStats["min"] as? [String: String])?["number"] == ServiceNowSeed.janesOpenIncidents.first)
            #expect((sumStats["sum"] as? [String: String])?["impact"].flatMap(Int.init) != nil)
            #expect((sumStats["avg"] as? [String: String])?["urgency"]?.contains(".") == true)

            let having = try await sn.request(
                "/api/now/stats/incident?sysparm_group_by=priority&sysparm_having=count%5E*%5E%3E%5E2&sysparm_query=\(mine)", token: jane)
            let kept = try #require(having.json["result"] as? [[String: Any]])
            #expect(kept.allSatisfy { Int((($0["stats"] as? [String: Any])?["count"] as? String) ?? "") ?? 0 > 2 } && kept.count < groups.count)

            for (path, message) in [
                ("/api/now/stats/incident?sysparm_group_by=colour", "Invalid field: colour"),
                ("/api/now/stats/incident?sysparm_count=true&sysparm_query=PRIORITY%3D1", "Invalid query"),
                ("/api/now/stats/incident", "Invalid request"),
                ("/api/now/stats/incident?sysparm_count=true&sysparm_having=lots", "Invalid sysparm_having"),
                ("/api/now/stats/no_such_table?sysparm_count=true", "Invalid table no_such_table"),
            ] {
                let refused = try await sn.request(path, token: jane)
                #expect(refused.status == 400, "\(path): \(refused.body)")
                #expect((refused.json["error"] as? [String: Any])?["message"] as? String == message, "\(path): \(refused.body)")
            }
        }
    }

    @Test(
        "Attachment: a raw upload lists, downloads byte for byte and deletes; oversized files, missing parameters and other people's records are refused"
    )
    func attachments() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.token()
            let incident = try await sn.request("/api/now/table/incident?sysparm_query=number%3DINC0012389", token: jane)
            let sysID = try #require(incident.records.first?["sys_id"] as? String)
            let bytes = Data((0..<5_000).map { UInt8($0 % 251) })
            let uploaded = try await upload(
                sn, "/api/now/attachment/file?table_name=incident&table_sys_id=\(sysID)&file_name=trace.bin", bytes, token: jane)
            #expect(uploaded.status == 201, "\(uploaded.body)")
            let location = try #require(uploaded.headers["location"])
            let attachment = try #require(uploaded.json["result"] as? [String: Any])
            #expect(attachment["size_bytes"] as? String == "5000" && attachment["sys_created_by"] as? String == "jane.smith")
            let listed = try await sn.request("/api/now/v1/attachment?sysparm_query=table_sys_id%3D\(sysID)", token: jane)
            #expect(listed.records.count == 1 && listed.headers["x-total-count"] == "1")
            var download = URLRequest(url: URL(string: location + "/file")!)
            download.setValue("Bearer \(jane)", forHTTPHeaderField: "Authorization")
            download.setValue("application/json", forHTTPHeaderField: "Accept")
            let (data, _) = try await URLSession.shared.data(for: download)
            #expect(data == bytes, "the bytes come back whatever Accept says")

            let harriet = try await sn.token(for: "harriet@contoso.com")
            let hr = try await sn.request("/api/now/table/incident?sysparm_query=category%3Dhr", token: harriet)
            let hrID = try #require(hr.records.first?["sys_id"] as? String)
            let refused = try await upload(
                sn, "/api/now/attachment/file?table_name=incident&table_sys_id=\(hrID)&file_name=x.txt", Data("x".utf8), token: jane)
            #expect(
                refused.status == 403
                    && (refused.json["error"] as? [String: Any])?["detail"] as? String == "ACL Exception Insert Failed due to security constraints")
            let missing = try await upload(sn, "/api/now/attachment/file?table_name=incident&table_sys_id=\(sysID)", Data("x".utf8), token: jane)
            #expect(missing.status == 400)
            let oversized = try await upload(
                sn, "/api/now/attachment/file?table_name=incident&table_sys_id=\(sysID)&file_name=big.bin", Data(count: 10 << 20 + 1), token: jane)
            #expect(oversized.status == 400, "\(oversized.body)")
            #expect(try await sn.request("/api/now/v1/attachment?sysparm_query=table_sys_id%3D\(sysID)", token: jane).records.count == 1)

            // The multipart upload: fields first, then the file part.
            let boundary = "----baton\(UInt32.random(in: 0...UInt32.max))"
            var form = Data()
            for (name, value) in [("table_name", "incident"), ("table_sys_id", sysID)] {
                form.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
            }
            form.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"uploadFile\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                        .utf8))
            form.append(Data("line one\r\n--not the boundary\r\nline three".utf8))
            form.append(Data("\r\n--\(boundary)--\r\n".utf8))
            let multipart = try await upload(
                sn, "/api/now/attachment/upload", form, token: jane, contentType: "multipart/form-data; boundary=\(boundary)")
            #expect(multipart.status == 201, "\(multipart.body)")
            let note = try #require(multipart.json["result"] as? [String: Any])
            #expect(
                note["file_name"] as? String == "notes.txt" && note["content_type"] as? String == "text/plain"
                    && note["size_bytes"] as? String == "40")
            let broken = try await upload(
                sn, "/api/now/attachment/upload", Data("--\(boundary)\r\nno headers".utf8), token: jane,
                contentType: "multipart/form-data; boundary=\(boundary)")
            #expect(broken.status == 400 && broken.json["status"] as? String == "failure")
            let notForm = try await upload(sn, "/api/now/attachment/upload", form, token: jane)
            #expect(notForm.status == 415)
            #expect(try await sn.request("/api/now/attachment/\(note["sys_id"] as? String ?? "")", method: "DELETE", token: jane).status == 204)

            let id = try #require(attachment["sys_id"] as? String)
            #expect(try await sn.request("/api/now/attachment/\(id)", token: harriet).status == 200, "Harriet (itil) reads INC0012389 too")
            #expect(try await sn.request("/api/now/attachment/\(id)", method: "DELETE", token: jane).status == 204)
            #expect(try await sn.request("/api/now/attachment/\(id)", token: jane).status == 404)
        }
    }

    @Test("Batch: inner requests run as the caller and are answered one by one; a malformed one is a 400 of its own, a malformed batch a 400")
    func batch() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.token()
            let incident = try await sn.request("/api/now/table/incident?sysparm_query=number%3DINC0012389", token: jane)
            let sysID = try #require(incident.records.first?["sys_id"] as? String)
            let patch = Data(#"{"urgency":"1"}"#.utf8).base64EncodedString()
            let body: [String: Any] = [
                "batch_request_id": 7,
                "rest_requests": [
                    [
                        "id": "a", "method": "PATCH", "url": "/api/now/table/incident/\(sysID)",
                        "headers": [["name": "Content-Type", "value": "application/json"]], "body": patch,
                    ],
                    [
                        "id": "b", "method": "GET",
                        "url": "/api/now/table/incident?sysparm_query=number%3DINC0012389&sysparm_fields=urgency,sys_updated_by", "headers": [],
                    ],
                    ["id": "c", "method": "DELETE", "url": "/api/now/table/incident/\(sysID)", "headers": []],
                    ["id": "d", "method": "GET", "url": "/api/now/ui/meta/incident", "headers": []],
                    ["id": "e", "method": "PATCH", "url": "/api/now/table/incident/\(sysID)", "headers": [], "body": "%%not base64"],
                ],
            ]
            let answer = try await sn.request("/api/now/v1/batch", method: "POST", token: jane, body: body)
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.json["batch_request_id"] as? String == "7")
            #expect((answer.json["unserviced_requests"] as? [Any])?.isEmpty == true)
            let serviced = try #require(answer.json["serviced_requests"] as? [[String: Any]])
            let statuses = Dictionary(uniqueKeysWithValues: serviced.map { ($0["id"] as? String ?? "", $0["status_code"] as? Int ?? 0) })
            #expect(statuses == ["a": 200, "b": 200, "c": 403, "d": 400, "e": 400], "Jane may update, not delete")
            let listed = try #require(serviced.first { $0["id"] as? String == "b" })
            let inner = try #require(Data(base64Encoded: listed["body"] as? String ?? ""))
            let records = try #require((try JSONSerialization.jsonObject(with: inner) as? [String: Any])?["result"] as? [[String: String]])
            #expect(records == [["urgency": "1", "sys_updated_by": "jane.smith"]])
            #expect((listed["headers"] as? [[String: String]])?.contains { $0["name"] == "X-Total-Count" && $0["value"] == "1" } == true)

            let empty = try await sn.request(
                "/api/now/v1/batch", method: "POST", token: jane, body: ["batch_request_id": 8, "rest_requests": [Any]()])
            #expect(empty.status == 200 && (empty.json["serviced_requests"] as? [Any])?.isEmpty == true)
            let malformed = try await sn.request("/api/now/v1/batch", method: "POST", token: jane, body: ["rest_requests": "no"])
            #expect(malformed.status == 400 && malformed.json["status"] as? String == "failure")
        }
    }

    @Test(
        "Change Management: fields as value and display value, the model's first state, tasks, templates; bad states, templates and callers refused")
    func changes() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.token()
            let created = try await sn.request(
                "/api/sn_chg_rest/change/normal", method: "POST", token: jane, body: ["short_description": "Patch the VPN concentrator", "risk": "2"])
            #expect(created.status == 200, "\(created.body)")
            let change = try #require(created.json["result"] as? [String: Any])
            #expect((change["state"] as? [String: String]) == ["value": "-5", "display_value": "New"])
            #expect((change["risk"] as? [String: String])?["display_value"] == "High")
            #expect((change["requested_by"] as? [String: String])?["display_value"] == "Jane Smith")
            let sysID = try #require((change["sys_id"] as? [String: String])?["value"])

            let task = try await sn.request(
                "/api/sn_chg_rest/change/\(sysID)/task", method: "POST", token: jane, body: ["short_description": "Back up the config"])
            #expect(((task.json["result"] as? [String: Any])?["number"] as? [String: String])?["value"]?.hasPrefix("CTASK") == true)
            let tasks = try await sn.request("/api/sn_chg_rest/change/\(sysID)/task", token: jane)
            #expect(tasks.records.count == 1 && tasks.headers["x-total-count"] == "1")

            let templates = try await sn.request("/api/sn_chg_rest/change/standard/template", token: jane)
            #expect(templates.records.count == 2)
            let templateID = try #require((templates.records.first?["sys_id"] as? [String: String])?["value"])
            let standard = try await sn.request("/api/sn_chg_rest/change/standard/\(templateID)", method: "POST", token: jane, body: [:])
            #expect(((standard.json["result"] as? [String: Any])?["state"] as? [String: String])?["display_value"] == "Scheduled")

            let moved = try await sn.request(
                "/api/sn_chg_rest/change/\(sysID)", method: "PATCH", token: jane, body: ["state": "3", "close_code": "successful"])
            #expect(((moved.json["result"] as? [String: Any])?["active"] as? [String: String])?["value"] == "false", "a closed change is inactive")

            for (path, method, body, status) in [
                ("/api/sn_chg_rest/change/\(sysID)", "PATCH", ["state": "42"], 400),
                ("/api/sn_chg_rest/change/standard/\(String(repeating: "0", count: 32))", "POST", [:], 400),
                ("/api/sn_chg_rest/change/\(String(repeating: "f", count: 32))", "GET", nil, 404),
                ("/api/sn_chg_rest/change/normal", "POST", ["short_description": ["not", "a string"]], 400),
            ] as [(String, String, [String: Any]?, Int)] {
                let refused = try await sn.request(path, method: method, token: jane, body: body)
                #expect(refused.status == status && refused.json["status"] as? String == "failure", "\(method) \(path): \(refused.body)")
            }
            let audrey = try await sn.token(for: "audrey@contoso.com")
            let denied = try await sn.request("/api/sn_chg_rest/change/normal", method: "POST", token: audrey, body: ["short_description": "x"])
            #expect(denied.status == 403)
            #expect(try await sn.request("/api/sn_chg_rest/change", token: audrey).records.isEmpty, "Audrey sees no change she did not ask for")
        }
    }

    private func upload(
        _ sn: ServiceNowFixture, _ path: String, _ data: Data, token: String, contentType: String = "application/octet-stream"
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: sn.url + path)!, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.httpBody = data
        return try await httpRequest(request)
    }

    @Test(
        "Table API details pysnc relies on: display_value=all pairs, reference links or none, no count, no pagination header, a view that fields override"
    )
    func tableDetails() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.token()
            func header(_ result: HTTPResult, _ name: String) -> String? {
                result.headers.first { $0.key.lowercased() == name.lowercased() }?.value
            }
            let base = "/api/now/table/incident?sysparm_query=number%3DINC0012389&sysparm_limit=1"
            let plain = try await sn.request(base, token: jane)
            #expect(header(plain, "X-Total-Count") == "1" && header(plain, "Link")?.contains(#"rel="first""#) == true)
            let reference = try #require(plain.records.first?["assigned_to"] as? [String: Any], "a reference is a {link, value} object")
            #expect((reference["link"] as? String)?.hasSuffix("/api/now/table/sys_user/\(reference["value"] as? String ?? "?")") == true)

            let pairs = try await sn.request(base + "&sysparm_display_value=all&sysparm_exclude_reference_link=true", token: jane)
            let state = try #require(pairs.records.first?["state"] as? [String: Any])
            #expect(state["value"] as? String == "1" && state["display_value"] as? String == "New")
            let assignee = try #require(pairs.records.first?["assigned_to"] as? [String: Any])
            #expect(assignee["display_value"] as? String == "Jane Smith" && assignee["link"] == nil, "no link when excluded")

            let bare = try await sn.request(base + "&sysparm_no_count=true&sysparm_suppress_pagination_header=true", token: jane)
            #expect(header(bare, "X-Total-Count") == nil && header(bare, "Link") == nil)
            #expect(bare.records.count == 1)

            // A view renders the view's fields; the emulator's one layout holds every field, and
            // sysparm_fields overrides a view as on an instance.
            let viewed = try await sn.request(base + "&sysparm_view=desktop", token: jane)
            #expect(Set((viewed.records.first ?? [:]).keys) == Set((plain.records.first ?? [:]).keys))
            let narrowed = try await sn.request(base + "&sysparm_view=mobile&sysparm_fields=number,state", token: jane)
            #expect(Set((narrowed.records.first ?? [:]).keys) == ["number", "state"])
        }
    }
}
