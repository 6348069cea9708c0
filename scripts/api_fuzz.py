"""Schemathesis hooks and set-up for scripts/api-fuzz.

As hooks (SCHEMATHESIS_HOOKS=api_fuzz):
- `uniform_error_shape`: every 4xx and 5xx answer is `{"error": {"code", "message"}}` as JSON,
  with a snake_case code and a non-empty message, and nothing else beside it.
- The fuzzer's own accounts are never the subject of an admin call (disable, leave, roles...):
  an administrator locking itself out would turn every later case into a 401 and test nothing.

As a program:
- `api_fuzz.py prepare URL CONFIG USER...` signs in as the demo's admin, writes a
  schemathesis config with the organisation's real names (draft ids, accounts, channels,
  teams, steps, replies) as dictionaries, so generated requests reach real rows as well as
  made-up ones, then signs in as each USER (the demo password) and prints their access
  tokens, one a line.
- `api_fuzz.py status URL TOKEN` prints the status of GET /api/v1/me with that token.
"""

import json
import os
import re
import sys
import urllib.error
import urllib.request

# The accounts the run signs in as: none of them may be the subject of an admin call.
FUZZ_USERS = os.environ.get("COUNTERSIGN_FUZZ_USERS", "admin").split(",")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def uniform_error_shape(ctx, response, case):
    """An error answer is JSON `{"error": {"code": "snake_case", "message": "..."}}`."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/json"):
        raise AssertionError(
            f"a {response.status_code} answer is {content_type or 'untyped'}, not JSON"
        )
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"a {response.status_code} answer is not JSON: {e}") from e
    if not isinstance(body, dict) or set(body) != {"error"}:
        raise AssertionError(f"a {response.status_code} answer is not {{'error': ...}}: {body!r}")
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message"}:
        raise AssertionError(f"'error' must hold exactly code and message: {error!r}")
    if not isinstance(error["code"], str) or not CODE.match(error["code"]):
        raise AssertionError(f"the code must be snake_case text: {error['code']!r}")
    if not isinstance(error["message"], str) or not error["message"].strip():
        raise AssertionError("the message must be a non-empty sentence")
    return None


def filter_path_parameters(context, path_parameters):
    """Keep the fuzzer's own account out of the admin calls that change an account."""
    return not path_parameters or path_parameters.get("username") not in FUZZ_USERS


def call(url, path, token=None, body=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}{path}", data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def sign_in(url, user):
    body = {"username": user, "password": "countersign-demo"}
    return call(url, "/api/v1/sessions", body=body)["access_token"]


def prepare(url, config, *users):
    token = sign_in(url, "admin")
    access = call(url, "/api/v1/admin/access", token)
    channels = call(url, "/api/v1/admin/channels", token)
    feed = call(url, "/api/v1/changes?limit=5000", token)
    values = {
        "drafts": [c["draft"]["id"] for c in feed["changes"] if c["kind"] == "upsert"],
        "users": [a["username"] for a in access if a["username"] not in users],
        "teams": sorted({t for a in access for t in a["teams"]}),
        "steps": sorted({s for a in access for s in a["steps"]} | {"legal"}),
        "roles": ["author", "reviewer", "spokesperson", "admin"],
        "channels": [c["name"] for c in channels],
        "accounts": [c["account"] for c in channels],
        "replies": [r["name"] for r in call(url, "/api/v1/replies", token)],
    }

    def bind(name):
        return f'{{ dictionary = "{name}", probability = 0.7 }}'

    lines = ["[dictionaries]"]
    for name, items in values.items():
        if items:
            lines.append(f"{name} = {{ values = {json.dumps(list(dict.fromkeys(items)))} }}")
    lines += [
        "",
        "[parameters]",
        f'"path.id" = {bind("drafts")}',
        f'"path.username" = {bind("users")}',
        f'"body.handover" = {bind("users")}',
        f'"body.channel" = {bind("accounts")}',
        f'"body.team" = {bind("teams")}',
        f'"body.channels[*]" = {bind("channels")}',
        f'"body.mutations[*].decision.draft_id" = {bind("drafts")}',
        f'"body.mutations[*].annotation.draft_id" = {bind("drafts")}',
    ]
    by_path = [
        ("/roles/", "value", "roles"),
        ("/teams/", "value", "teams"),
        ("/steps/", "value", "steps"),
        ("/users/[^/]+/channels/", "value", "channels"),
        ("/replies/", "name", "replies"),
        ("/admin/channels/", "name", "channels"),
    ]
    for regex, parameter, dictionary in by_path:
        if values[dictionary]:
            lines += [
                "",
                "[[operations]]",
                f"include-path-regex = {json.dumps(regex)}",
                f'parameters = {{ "path.{parameter}" = {bind(dictionary)} }}',
            ]
    with open(config, "w") as out:
        out.write("\n".join(lines) + "\n")
    for user in users:
        print(sign_in(url, user))


def status(url, token):
    request = urllib.request.Request(
        f"{url}/api/v1/me", headers={"authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            print(answer.status)
    except urllib.error.HTTPError as e:
        print(e.code)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"prepare": prepare, "status": status}[command](*arguments)
else:
    import schemathesis

    schemathesis.check(uniform_error_shape)
    schemathesis.hook(filter_path_parameters)
