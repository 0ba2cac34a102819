import BatonIdentity

extension ServiceNowConnector {
    static let toolDefinitions: [ToolDefinition] = [
        ToolDefinition(
            name: "query_incidents",
            description: "List incidents visible to the user, newest update first: by default the open ones assigned to them.",
            parameters: Schema.object([
                "assigned_to_me": Schema.boolean("Only incidents assigned to the user (default true)."),
                "active": Schema.boolean("Only open incidents (default true)."),
                "text": Schema.string("Words to find in the short description or description."),
                "priority": Schema.integer("1 (critical) to 5 (planning).", minimum: 1, maximum: 5),
                "limit": Schema.integer("How many at most (default 10).", minimum: 1, maximum: 1_000),
            ]),
            output: [
                "type": "object", "required": ["incidents"],
                "properties": [
                    "incidents": ["type": "array", "items": ["type": "object"], "description": "The incidents, as the Table API returns them."],
                    "total": ["type": ["integer", "null"], "description": "How many match in all (X-Total-Count), when known."],
                ],
            ]),
        ToolDefinition(
            name: "get_incident", description: "One incident by its number, e.g. INC0012389.",
            parameters: Schema.object(["number": Schema.string("The incident number.")], required: ["number"])),
        ToolDefinition(
            name: "update_incident", description: "Change an incident's state, impact, urgency or description, or add a work note or comment.",
            parameters: Schema.object(
                [
                    "number": Schema.string("The incident number."),
                    "state": Schema.string("1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed.", enum: ["1", "2", "3", "6", "7", "8"]),
                    "impact": Schema.string("1 High, 2 Medium, 3 Low.", enum: ["1", "2", "3"]),
                    "urgency": Schema.string("1 High, 2 Medium, 3 Low.", enum: ["1", "2", "3"]),
                    "short_description": Schema.string("A new short description."), "work_notes": Schema.string("An internal work note to add."),
                    "comments": Schema.string("A comment the caller sees."), "close_code": Schema.string("Resolution code when resolving."),
                    "close_notes": Schema.string("Resolution notes when resolving."),
                ], required: ["number"])),
        ToolDefinition(
            name: "query_table", description: "Query any table with an encoded query (the user's ACLs apply).",
            parameters: Schema.object(
                [
                    "table": Schema.string("Table name, e.g. incident, sys_user."),
                    "query": Schema.string("Encoded query, e.g. active=true^priority=1."),
                    "fields": Schema.strings("Fields to return (default all)."),
                    "limit": Schema.integer("Records at most (default 100).", minimum: 1),
                    "offset": Schema.integer("Records to skip."), "display_values": Schema.boolean("Labels instead of stored values."),
                ], required: ["table"])),
        ToolDefinition(
            name: "count_records",
            description:
                "How many records of a table match an encoded query, optionally per value of one field (the Aggregate API; only records the user may read are counted).",
            parameters: Schema.object(
                [
                    "table": Schema.string("Table name, e.g. incident."),
                    "query": Schema.string("Encoded query, e.g. active=true^assigned_to=javascript:gs.getUserID()."),
                    "group_by": Schema.string("A field to count per value of, e.g. priority."),
                ], required: ["table"]),
            output: [
                "type": "object", "required": ["count"],
                "properties": [
                    "count": ["type": "integer", "description": "Matching records in all."],
                    "groups": [
                        "type": "array", "items": ["type": "object"],
                        "description": "Per value of group_by: value, display_value and count.",
                    ],
                ],
            ]),
        ToolDefinition(
            name: "create_change",
            description:
                "Raise a change request: normal or emergency, or standard from a pre-approved template (by name), as the user (the Change Management API).",
            parameters: Schema.object(
                [
                    "type": Schema.string("normal, emergency or standard.", enum: ["normal", "emergency", "standard"]),
                    "template": Schema.string("For a standard change: the template's name, e.g. Clear BGP sessions on a router."),
                    "short_description": Schema.string("What changes."), "description": Schema.string("Details."),
                    "justification": Schema.string("Why."), "implementation_plan": Schema.string("How."),
                    "backout_plan": Schema.string("How to undo it."), "test_plan": Schema.string("How to check it worked."),
                    "start_date": Schema.string("Planned start, yyyy-MM-dd HH:mm:ss (UTC)."),
                    "end_date": Schema.string("Planned end, yyyy-MM-dd HH:mm:ss (UTC)."),
                    "risk": Schema.string("1 Very High, 2 High, 3 Moderate, 4 Low.", enum: ["1", "2", "3", "4"]),
                    "impact": Schema.string("1 High, 2 Medium, 3 Low.", enum: ["1", "2", "3"]),
                ], required: ["type"])),
        ToolDefinition(
            name: "get_change", description: "One change request by its number (e.g. CHG0030001), with its tasks.",
            parameters: Schema.object(["number": Schema.string("The change number.")], required: ["number"])),
        ToolDefinition(
            name: "update_change", description: "Move a change request on (its state) or change its plan, or add a work note.",
            parameters: Schema.object(
                [
                    "number": Schema.string("The change number."),
                    "state": Schema.string(
                        "-5 New, -4 Assess, -3 Authorize, -2 Scheduled, -1 Implement, 0 Review, 3 Closed, 4 Canceled.",
                        enum: ["-5", "-4", "-3", "-2", "-1", "0", "3", "4"]),
                    "short_description": Schema.string("A new short description."), "description": Schema.string("New details."),
                    "start_date": Schema.string("Planned start."), "end_date": Schema.string("Planned end."),
                    "implementation_plan": Schema.string("How."), "backout_plan": Schema.string("How to undo it."),
                    "close_code": Schema.string("successful, successful_issues or unsuccessful, when closing."),
                    "close_notes": Schema.string("Closing notes."), "work_notes": Schema.string("An internal work note to add."),
                ], required: ["number"])),
        ToolDefinition(
            name: "list_attachments", description: "The files attached to a record (name, type, size), e.g. an incident's logs.",
            parameters: Schema.object(
                [
                    "table": Schema.string("Table name (default incident)."), "number": Schema.string("Record number."),
                    "sys_id": Schema.string("Or its sys_id."),
                ])),
        ToolDefinition(
            name: "attach_file", description: "Attach a text file (a log excerpt, notes) to a record, as the user.",
            parameters: Schema.object(
                [
                    "table": Schema.string("Table name (default incident)."), "number": Schema.string("Record number."),
                    "sys_id": Schema.string("Or its sys_id."), "file_name": Schema.string("The file's name, e.g. vpn.log."),
                    "content": Schema.string("The file's text."), "content_type": Schema.string("Its media type (default text/plain)."),
                ], required: ["file_name", "content"])),
        ToolDefinition(
            name: "get_record", description: "One record by sys_id or number.",
            parameters: Schema.object(
                ["table": Schema.string("Table name."), "sys_id": Schema.string("32 hex characters."), "number": Schema.string("Record number.")],
                required: ["table"])),
        ToolDefinition(
            name: "create_record", description: "Insert one record.",
            parameters: Schema.object(
                ["table": Schema.string("Table name."), "values": Schema.anyObject("Field values.")], required: ["table", "values"])),
        ToolDefinition(
            name: "update_record", description: "Change fields of one record (PATCH).",
            parameters: Schema.object(
                ["table": Schema.string("Table name."), "sys_id": Schema.string("32 hex characters."), "values": Schema.anyObject("Field values.")],
                required: ["table", "sys_id", "values"])),
        ToolDefinition(
            name: "add_work_note", description: "Add an internal work note to a record.",
            parameters: Schema.object(
                [
                    "table": Schema.string("Table name (default incident)."), "number": Schema.string("Record number."),
                    "sys_id": Schema.string("Or its sys_id."), "text": Schema.string("The note."),
                ], required: ["text"])),
        ToolDefinition(
            name: "add_comment", description: "Add a comment (visible to the caller) to a record.",
            parameters: Schema.object(
                [
                    "table": Schema.string("Table name (default incident)."), "number": Schema.string("Record number."),
                    "sys_id": Schema.string("Or its sys_id."), "text": Schema.string("The comment."),
                ], required: ["text"])),
    ]
}
