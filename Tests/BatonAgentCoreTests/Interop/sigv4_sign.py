"""Signs requests with botocore's SigV4 signer (the one boto3 and bedrock-agentcore use), for
the tests of Baton's verifier. Env: ACCESS_KEY, SECRET_KEY, REGION, SERVICE, URL (the
data plane's base). Prints one JSON object per line: name, method, path, query, headers,
body (base64), signed_at (the X-Amz-Date). Never prints the secret.
"""

import base64
import json
import os
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS = Credentials(os.environ["ACCESS_KEY"], os.environ["SECRET_KEY"])
SIGNER = SigV4Auth(CREDENTIALS, os.environ["SERVICE"], os.environ["REGION"])
BASE = os.environ["URL"].rstrip("/")


def signed(name, method, path, body=b"", headers=None):
    request = AWSRequest(method=method, url=BASE + path, data=body, headers=headers or {})
    SIGNER.add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    sent = dict(prepared.headers.items())
    # The HTTP client sends Host from the URL; the signer signed that value.
    sent.setdefault("Host", parts.netloc)
    print(json.dumps({
        "name": name, "method": prepared.method, "path": parts.path, "query": parts.query,
        "headers": [[key, value] for key, value in sent.items()],
        "body": base64.b64encode(prepared.body or b"").decode(), "signed_at": sent["X-Amz-Date"],
    }), flush=True)


json_type = {"Content-Type": "application/json"}
signed("operation", "POST", "/identities/GetWorkloadAccessToken", b'{"workloadName": "itsm"}', json_type)
signed("query", "GET", "/identities/list?b=2&a=1&a=0&space=x%20y&tilde=~z", b"")
signed("encoded path", "POST", "/identities/a%20b/c", b"{}", json_type)
signed("empty body", "POST", "/identities/CompleteResourceTokenAuth", b"", {"Content-Type": "application/json", "X-Custom":  "  two   spaces  "})
