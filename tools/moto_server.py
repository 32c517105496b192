"""Runs moto on loopback for the local stack and the tests.

Prints the endpoint URL on the first line, then serves until standard input closes, so the
server never outlives the process that started it (even if that process is killed).
"""

import argparse
import sys
import threading

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import ThreadedMotoServer


def serialize_dynamodb() -> None:
    """Make moto's DynamoDB transactions isolated, as DynamoDB's are.

    moto applies a transaction's writes one by one and, on a failed condition, restores a copy
    of the whole table taken when the transaction began. Under concurrent requests that copy
    erases other requests' committed writes (and their stream records), and readers can see a
    transaction half applied. Running every DynamoDB and DynamoDB Streams call under one lock
    gives the serializable behaviour the platform's optimistic concurrency relies on.
    """
    lock = threading.RLock()
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        original = handler.call_action

        def call_action(self, _original=original):
            with lock:
                return _original(self)

        handler.call_action = call_action


def cognito_unknown_user_errors() -> None:
    """ConfirmForgotPassword for an unknown user: Cognito answers UserNotFoundException (or a
    code mismatch when user-existence errors are prevented); moto claims the app client does
    not exist. Answer as Cognito does, so the API's error handling is exercised as deployed.
    """
    original = CognitoIdpBackend.confirm_forgot_password

    def confirm_forgot_password(self, client_id, username, password, confirmation_code):
        for pool in self.user_pools.values():
            if client_id in pool.clients and not pool._get_user(username):
                raise UserNotFoundError(username)
        return original(self, client_id, username, password, confirmation_code)

    CognitoIdpBackend.confirm_forgot_password = confirm_forgot_password


def _immutable(pool, attributes) -> list:
    schema = pool.schema_attributes
    return [a["Name"] for a in attributes if a["Name"] in schema and not schema[a["Name"]].mutable]


def _unwritable(client, attributes) -> list:
    # Without WriteAttributes, Cognito lets a client write every mutable attribute.
    allowed = client.extended_config.get("WriteAttributes")
    if allowed is None:
        return []
    return [a["Name"] for a in attributes if a["Name"] not in allowed]


def cognito_attribute_rules() -> None:
    """Who may write which user attribute, as Cognito enforces it and moto does not: a client
    writes only its WriteAttributes (UpdateUserAttributes with a user's access token, SignUp);
    an immutable attribute is set at creation and never changed, not even by an administrator;
    SignUp is refused when only administrators may create users. Without this the local stack
    would hide a user rewriting custom:organization_id with their own token
    (docs/security.md, T1).
    """
    update = CognitoIdpBackend.update_user_attributes
    admin_update = CognitoIdpBackend.admin_update_user_attributes
    sign_up = CognitoIdpBackend.sign_up

    def update_user_attributes(self, access_token, attributes):
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                client = pool.clients.get(client_id)
                if client is not None and _unwritable(client, attributes):
                    raise NotAuthorizedError(
                        "A client attempted to write unauthorized attribute"
                    )
                if _immutable(pool, attributes):
                    raise InvalidParameterException(
                        "Invalid user attributes: cannot modify an immutable attribute"
                    )
        return update(self, access_token, attributes)

    def admin_update_user_attributes(self, user_pool_id, username, attributes):
        if _immutable(self.describe_user_pool(user_pool_id), attributes):
            raise InvalidParameterException(
                "Invalid user attributes: cannot modify an immutable attribute"
            )
        return admin_update(self, user_pool_id, username, attributes)

    def sign_up_checked(self, client_id, username, password, attributes):
        for pool in self.user_pools.values():
            client = pool.clients.get(client_id)
            if client is None:
                continue
            config = pool.extended_config.get("AdminCreateUserConfig") or {}
            if config.get("AllowAdminCreateUserOnly"):
                raise NotAuthorizedError("SignUp is not permitted for this user pool")
            if _unwritable(client, attributes or []):
                raise NotAuthorizedError("A client attempted to write unauthorized attribute")
        return sign_up(self, client_id, username, password, attributes)

    CognitoIdpBackend.update_user_attributes = update_user_attributes
    CognitoIdpBackend.admin_update_user_attributes = admin_update_user_attributes
    CognitoIdpBackend.sign_up = sign_up_checked


def apply_patches() -> None:
    """Every patch above; what the local stack and the tests run."""
    serialize_dynamodb()
    cognito_unknown_user_errors()
    cognito_attribute_rules()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    apply_patches()

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    server.stop()


if __name__ == "__main__":
    main()
