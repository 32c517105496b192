"""Counts each template's resources after the SAM transform and fails at CloudFormation's limit.

    .venv/bin/python tools/count_resources.py template.yaml stacks/*.yaml

CloudFormation refuses a stack of more than 500 resources. The SAM transform turns one
function with an API event into several resources (function, role, permission, ...), so the
count that matters is the transformed one. The templates' policies are all inline, so no IAM
lookup of managed policies is needed.
"""

import os
import sys

# The transform only needs a region name to build ARNs; no AWS call is made.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

LIMIT = 500


class NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only when a template names one."""

    def load(self):
        return {}


def main(paths):
    worst = 0
    for path in paths:
        template = cfn_yaml.load(path)
        # As `sam package` would: local code becomes an S3 object (cfn-lint does the same).
        for resource in template.get("Resources", {}).values():
            props = resource.get("Properties", {})
            if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
                props["CodeUri"] = "s3://bucket/code.zip"
        out = transform(template, {}, NoManagedPolicies())
        n = len(out["Resources"])
        worst = max(worst, n)
        print(f"    {path}: {n} resources after the SAM transform (limit {LIMIT})")
        if n > LIMIT:
            print(f"error: {path} exceeds {LIMIT} resources", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
