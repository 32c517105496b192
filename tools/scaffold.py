#!/usr/bin/env python3
"""Scaffold the declarative parts of a new HTTP route, so they agree from the start.

A route lives in four places that tests/platform/drift.rs ties together: a function in
stacks/<stack>.yaml, a registry line in that stack's list (functions/src/registry.rs, e.g.
`OFFERS_HANDLERS` for stacks/offers.yaml, written by hand), a sample event in
events/<handler>.json and an operation in docs/openapi.yaml. The handler's name is its code's
path under functions/src (`offers.inbox.visits.schedule` is `fn schedule` in
functions/src/offers/inbox/visits.rs; its registry line `route!(AM,
offers::inbox::visits::schedule)`). This writes the three declarative ones:

  python3 tools/scaffold.py route --stack offers --handler offers.inbox.visits.schedule \
      --method POST --path /offers/v1/inbox/visits/schedule --access write --tag "visit inbox"

- The function is built from its stack's binary (`BuildProperties.Binary: <stack>`, the
  `functions` crate's src/bin/<stack>.rs), which links only that stack's registry list.
- The function gets least-privilege table access (`--access read|write|none`); anything else it
  needs (Cognito, SNS, KMS) is added by hand afterwards.
- The OpenAPI operation is copied from the published spec of its family (same path without the
  family prefix) together with every component it references, minus the API Gateway
  extensions, and given the family's error responses (`--errors`).
- The sample event is an API Gateway HTTP API (payload 2.0) request with the path parameters
  filled in and the spec's request example, if any, as the body (`--body` overrides it).

`python3 tools/scaffold.py format` rewrites docs/openapi.yaml in the tool's canonical layout
(content unchanged), which keeps later diffs small.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT.parent / "shared" / "specs" / "alayamarket"
FAMILIES = {
    "/offers": "openapi.offers.yaml",
    "/organizations": "openapi.organizations.yaml",
    "/auth": "openapi.auth.yaml",
}
ERRORS = {
    "400": "Bad request: a malformed id, query or body.",
    "401": "Missing, invalid or expired `Authorization` IdToken.",
    "403": "The caller's role does not allow this operation.",
    "404": "Not found (or not visible to the caller's organization).",
    "409": "The resource is not in a state that allows this.",
    "422": "The request is well formed but breaks a rule of the resource.",
}
POLICIES = {
    "read": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
    "write": [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    ],
}


def _str(dumper, data):
    if "\n" in data:
        # Literal blocks keep Markdown descriptions readable; YAML refuses them with trailing spaces.
        data = "\n".join(line.rstrip() for line in data.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


class Dumper(yaml.SafeDumper):
    pass


Dumper.add_representer(str, _str)


def dump(data) -> str:
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, width=100, allow_unicode=True)


def load_openapi() -> tuple[str, dict]:
    text = (ROOT / "docs/openapi.yaml").read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    return header, yaml.safe_load(text)


def save_openapi(header: str, doc: dict) -> None:
    (ROOT / "docs/openapi.yaml").write_text(header + dump(doc))


def strip_extensions(node):
    if isinstance(node, dict):
        # YAML reads response codes as ints; OpenAPI wants them as strings.
        return {
            str(k): strip_extensions(v)
            for k, v in node.items()
            if not str(k).startswith("x-amazon")
        }
    if isinstance(node, list):
        return [strip_extensions(v) for v in node]
    return node


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/"):
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def copy_components(spec: dict, doc: dict, node) -> None:
    """Copies every component `node` references, transitively, that docs/openapi.yaml lacks."""
    pending = list(refs(node))
    while pending:
        ref = pending.pop()
        _, _, kind, name = ref.split("/", 3)
        section = doc.setdefault("components", {}).setdefault(kind, {})
        if name in section:
            continue
        source = spec.get("components", {}).get(kind, {}).get(name)
        if source is None:
            sys.exit(f"{ref} is not in the published spec")
        section[name] = strip_extensions(copy.deepcopy(source))
        pending.extend(refs(section[name]))


def spec_operation(path: str, method: str) -> tuple[dict, dict, dict]:
    for prefix, file in FAMILIES.items():
        if path.startswith(prefix + "/"):
            spec = yaml.safe_load((SPECS / file).read_text())
            item = spec["paths"].get(path[len(prefix) :])
            if item is None or method not in item:
                sys.exit(f"{method.upper()} {path[len(prefix):]} is not in {file}")
            return spec, item, item[method]
    sys.exit(f"{path}: no published spec for this prefix")


def add_openapi(args) -> dict:
    method = args.method.lower()
    spec, item, op = spec_operation(args.path, method)
    header, doc = load_openapi()
    target = doc["paths"].setdefault(args.path, {})
    if method in target:
        sys.exit(f"docs/openapi.yaml already has {args.method} {args.path}")
    if "parameters" in item and "parameters" not in target:
        target["parameters"] = strip_extensions(copy.deepcopy(item["parameters"]))
    new = strip_extensions(copy.deepcopy(op))
    new["operationId"] = args.handler
    if args.tag:
        new["tags"] = [args.tag]
    responses = new.setdefault("responses", {})
    for code in args.errors.split(","):
        code = code.strip()
        if code and code not in responses:
            responses[code] = {
                "description": ERRORS[code],
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                },
            }
    first = ("tags", "summary", "operationId")
    target[method] = {k: new[k] for k in first if k in new} | {
        k: v for k, v in new.items() if k not in first
    }
    copy_components(spec, doc, target)
    save_openapi(header, doc)
    return new


def logical_id(handler: str) -> str:
    parts = re.split(r"[._]", handler)
    return "".join(p[:1].upper() + p[1:] for p in parts) + "Function"


def add_function(args) -> None:
    stack = ROOT / "stacks" / f"{args.stack}.yaml"
    text = stack.read_text()
    lid = logical_id(args.handler)
    if re.search(rf"^  {lid}:", text, re.M):
        sys.exit(f"{stack.name} already has {lid}")
    block = [
        f"  {lid}:",
        "    Type: AWS::Serverless::Function",
        "    Metadata:",
        "      BuildMethod: rust-cargolambda",
        "      BuildProperties:",
        # The stack's own artifact; drift.rs fails if the handler's registry list is another's.
        f"        Binary: {args.stack}",
        "    Properties:",
        "      CodeUri: ..",
        f"      Handler: {args.handler}",
        f"      Description: {args.method} {args.path}",
        "      Events:",
        "        Api:",
        "          Type: HttpApi",
        "          Properties:",
        "            ApiId: !Ref HttpApi",
        f"            Path: {args.path}",
        f"            Method: {args.method}",
    ]
    if args.access != "none":
        sid = "ReadPlatformTable" if args.access == "read" else "WritePlatformTable"
        block += [
            "      Policies:",
            '        - Version: "2012-10-17"',
            "          Statement:",
            f"            - Sid: {sid}",
            "              Effect: Allow",
            "              Action:",
            *[f"                - {a}" for a in POLICIES[args.access]],
            "              Resource:",
            "                - !Ref TableArn",
            '                - !Sub "${TableArn}/index/*"',
        ]
    block_text = "\n".join(block) + "\n\n"
    marker = re.search(r"^Outputs:", text, re.M)
    if marker is None:
        text = text.rstrip("\n") + "\n\n" + block_text
    else:
        text = text[: marker.start()] + block_text + text[marker.start() :]
    stack.write_text(text)


def example_body(op: dict):
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in content:
        return content["example"]
    for example in content.get("examples", {}).values():
        if "value" in example:
            return example["value"]
    return None


def add_event(args, op: dict) -> None:
    names = re.findall(r"{([^}]+)}", args.path)
    params = {n: str(uuid.uuid5(uuid.NAMESPACE_URL, f"{args.handler}/{n}")) for n in names}
    raw = args.path
    for n, v in params.items():
        raw = raw.replace("{" + n + "}", v)
    body = json.loads(args.body) if args.body else example_body(op)
    body_text = None if body is None else json.dumps(body, separators=(",", ":"))
    headers = {
        "accept": "application/json",
        "authorization": "REPLACE_WITH_ID_TOKEN",
        "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-6b02bd2f-a78405898494367880960698",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if body_text is not None:
        headers["content-length"] = str(len(body_text.encode()))
        headers["content-type"] = "application/json"
    route = f"{args.method} {args.path}"
    event = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": raw,
        "rawQueryString": args.query or "",
        "headers": dict(sorted(headers.items())),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "a1b2c3d4e5",
            "http": {
                "method": args.method,
                "path": raw,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "p4QFiYSUNniAlgY=",
            "routeKey": route,
            "stage": "$default",
            "time": "22/Nov/2026:10:00:15 +0000",
            "timeEpoch": 1795341615000,
        },
        "isBase64Encoded": False,
    }
    if args.query:
        event["queryStringParameters"] = dict(
            pair.split("=", 1) for pair in args.query.split("&") if "=" in pair
        )
    if params:
        event["pathParameters"] = params
    if body_text is not None:
        event["body"] = body_text
    out = ROOT / "events" / f"{args.handler}.json"
    if out.exists():
        sys.exit(f"{out} exists")
    out.write_text(json.dumps(event, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    route = sub.add_parser("route", help="function + sample event + OpenAPI operation")
    route.add_argument("--stack", required=True, help="stacks/<stack>.yaml")
    route.add_argument(
        "--handler", required=True, help="the code's path, e.g. offers.inbox.visits.schedule"
    )
    route.add_argument("--method", required=True, type=str.upper)
    route.add_argument("--path", required=True, help="full route, e.g. /offers/v1/...")
    route.add_argument("--access", choices=["read", "write", "none"], default="read")
    route.add_argument("--tag", help="OpenAPI tag")
    route.add_argument("--errors", default="400,401,403,404", help="error codes to document")
    route.add_argument("--body", help="sample body (JSON); default: the spec's example")
    route.add_argument("--query", help="sample query string, e.g. referral_id=...")
    route.add_argument("--no-openapi", action="store_true", help="the operation is not published")
    sub.add_parser("format", help="rewrite docs/openapi.yaml in canonical layout")
    args = parser.parse_args()
    if args.command == "format":
        save_openapi(*load_openapi())
        return
    op = {} if args.no_openapi else add_openapi(args)
    add_function(args)
    add_event(args, op)
    *module, function = args.handler.split(".")
    print(
        f"scaffolded {args.handler}: add `pub async fn {function}` in "
        f"functions/src/{'/'.join(module)}.rs and "
        f"`route!(<family>, {'::'.join(args.handler.split('.'))})` in "
        f"registry::{args.stack.upper()}_HANDLERS"
    )


if __name__ == "__main__":
    main()
