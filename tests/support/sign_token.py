"""Signs a JWT with moto's Cognito key, for tests of tokens Cognito would never issue
(expired, wrong audience, access token in place of an ID token).

Usage: sign_token.py '<claims as JSON>'  -> prints the token
"""

import json
import sys

from joserfc import jwk, jwt
from moto.utilities.utils import load_resource

key = jwk.RSAKey.import_key(load_resource("moto.cognitoidp.models", "resources/jwks-private.json"))
print(jwt.encode({"kid": "dummy", "alg": "RS256"}, json.loads(sys.argv[1]), key))
