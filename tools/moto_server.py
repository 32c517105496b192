"""Runs moto on loopback for the local stack and the tests.

Prints the endpoint URL on the first line, then serves until standard input closes, so the
server never outlives the process that started it (even if that process is killed).
"""

import argparse
import sys
import threading

from moto.cognitoidp.exceptions import UserNotFoundError
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    serialize_dynamodb()
    cognito_unknown_user_errors()

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
