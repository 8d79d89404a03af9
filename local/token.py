"""`python -m local.token alice` → an id token for alice@photogram.test (signed up if new).

TOKEN=$(python -m local.token alice)
curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/me
"""

from __future__ import annotations

import argparse

from local.client import DEMO_PASSWORD, id_token
from local.config import read_local_json


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("user", help="a name (alice → alice@photogram.test) or an email")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    args = parser.parse_args()
    print(id_token(read_local_json(), args.user, args.password))


if __name__ == "__main__":
    main()
