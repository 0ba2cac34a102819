"""ServiceNow's own Python client (pysnc 1.2.1) against the emulator, as Jane, with a
Bearer token Entra (the dev IdP) issued On-Behalf-Of her for ServiceNow's audience.

Environment: SN_URL (https://…), SN_CA (the dev CA), SN_TOKEN (Jane's), SN_ADMIN_TOKEN (Ada's,
a ServiceNow admin, for the deletes). Prints one JSON report as
its last line.
"""

import hashlib
import json
import os

import requests
from requests.auth import AuthBase
from pysnc import ServiceNowClient

# requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override verify=: trust exactly the dev CA.
os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SN_CA"]
os.environ.pop("CURL_CA_BUNDLE", None)


class Bearer(AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


# The seed's HR complaint, INC0012350 (the emulator's seeded sys_ids are MD5 of table:key).
HR_INCIDENT = os.environ.get("HR_INCIDENT") or hashlib.md5(b"incident:12350").hexdigest()
report = {}
client = ServiceNowClient(os.environ["SN_URL"], Bearer(os.environ["SN_TOKEN"]), verify=os.environ["SN_CA"])

# 1. Jane's open incidents: an encoded query on a dot-walked field, ordering, fields,
#    display values, and pages of two.
mine = client.GlideRecord("incident", batch_size=2)
mine.add_encoded_query("assigned_to.email=jane@contoso.com^active=true")
mine.order_by_desc("number")
mine.fields = "number,short_description,state,assigned_to,priority"
mine.display_value = "all"
mine.query()
report["mine_count"] = len(mine)
report["mine"] = [
    {
        "number": r.number.get_value(),
        "state": r.state.get_value(),
        "state_display": r.state.get_display_value(),
        "assigned_to_display": r.assigned_to.get_display_value(),
    }
    for r in mine
]

# Everything she can read among active incidents (itil): no HR, no security incident.
active = client.GlideRecord("incident", batch_size=5)
active.add_active_query()
active.fields = "number,category"
active.query()
report["active_categories"] = sorted({r.category.get_value() for r in active})
report["active_numbers"] = sorted(r.number.get_value() for r in active)

# get by sys_id and by number
by_number = client.GlideRecord("incident")
report["get_by_number"] = bool(by_number.get("number", "INC0012389"))
sys_id = by_number.sys_id.get_value()
by_id = client.GlideRecord("incident")
report["get_by_sys_id"] = bool(by_id.get(sys_id)) and by_id.number.get_value() == "INC0012389"
report["get_hr"] = bool(client.GlideRecord("incident").get(HR_INCIDENT))

# 2. insert and update as Jane
created = client.GlideRecord("incident")
created.initialize()
created.short_description = "Docking station not detected (pysnc)"
created.urgency = "2"
new_id = created.insert()
created.state = "2"
updated_id = created.update()
check = client.GlideRecord("incident")
check.get(new_id)
report["inserted"] = {
    "same_id": new_id == updated_id,
    "number": check.number.get_value(),
    "state": check.state.get_value(),
    "created_by": check.sys_created_by.get_value(),
    "updated_by": check.sys_updated_by.get_value(),
}

# 3. an attachment, uploaded and read back; none on the HR incident
content = bytes(range(256)) * 64 + "héllo\n".encode()
location = check.add_attachment("dock-log.bin", content, content_type="application/octet-stream")
attachments = check.get_attachments()
report["attachment"] = {
    "location": location,
    "listed": len(attachments),
    "names": [a.file_name for a in attachments],
    "identical": all(a.read() == content for a in attachments),
}
try:
    client.attachment_api.upload_file("employee-notes.txt", "incident", HR_INCIDENT, b"notes", "text/plain")
    report["hr_upload"] = "accepted"
except Exception as error:  # pysnc raises its RoleException (403) or a requests error
    report["hr_upload"] = type(error).__name__
for a in attachments:
    a.delete()
report["attachments_after_delete"] = len(check.get_attachments())

# 4. the Batch API: update_multiple sends one PATCH per changed record in one batch
second = client.GlideRecord("incident")
second.initialize()
second.short_description = "Second docking station (pysnc)"
second.insert()
pair = client.GlideRecord("incident")
pair.add_query("short_description", "ENDSWITH", "(pysnc)")
pair.query()
for r in pair:
    r.urgency = "1"
report["batch_update"] = pair.update_multiple()
after = client.GlideRecord("incident")
after.add_query("short_description", "ENDSWITH", "(pysnc)")
after.fields = "number,urgency,sys_updated_by"
after.query()
report["batch_after"] = [{"urgency": r.urgency.get_value(), "updated_by": r.sys_updated_by.get_value()} for r in after]

# 5. delete_multiple (a batch of DELETEs): Jane may not delete, so each inner request is
#    refused and every record stays; Ada, a ServiceNow admin, deletes them all.
def pysnc_rows(as_client):
    rows = as_client.GlideRecord("incident")
    rows.add_query("short_description", "ENDSWITH", "(pysnc)")
    rows.query()
    return rows


try:
    report["jane_delete_multiple"] = pysnc_rows(client).delete_multiple()
except Exception as error:
    report["jane_delete_multiple"] = type(error).__name__
report["left_after_jane"] = len(pysnc_rows(client))
admin = ServiceNowClient(os.environ["SN_URL"], Bearer(os.environ["SN_ADMIN_TOKEN"]), verify=os.environ["SN_CA"])
report["admin_delete_multiple"] = pysnc_rows(admin).delete_multiple()
report["left_after_admin"] = len(pysnc_rows(admin))

print(json.dumps(report, sort_keys=True))
