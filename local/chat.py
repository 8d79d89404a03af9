"""`python -m local.chat alice bob`: chat in a terminal as a phone app would, with a
running `make dev` (and `make seed`, or users with profiles). Signs in as the first
user, finds or starts the conversation with the others (one: the 1:1; more: a new
group), shows the latest messages, then prints what arrives on the live connection
while each line typed is sent (POST with an Idempotency-Key). After a dropped
connection it reconnects and catches up with `?after=` the newest message it has.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import requests

from local.client import id_token
from local.config import read_local_json


class Chat:
    def __init__(self, info: dict[str, Any], user: str, others: list[str]) -> None:
        self.info, self.token = info, id_token(info, user)
        self.me = self.call("GET", "/me")
        body = {"member_handles": others}
        self.conversation_id = str(
            self.call("POST", "/conversations", json=body)["conversation_id"]
        )
        self.names = {
            m["user"]["user_id"]: m["user"]["handle"]
            for m in self.call("GET", f"/conversations/{self.conversation_id}")["members"]
        }
        self.newest = ""
        self.lock = threading.Lock()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} | kwargs.pop("headers", {})
        response = requests.request(
            method, self.info["api_url"] + path, headers=headers, timeout=10, **kwargs
        )
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def show(self, message: dict[str, Any]) -> None:
        with self.lock:
            if message["message_id"] <= self.newest:
                return  # pushed twice, or already read from history
            self.newest = message["message_id"]
        who = self.names.get(message["sender_id"], "?")
        what = message["text"] if message["kind"] == "text" else f"[{message['kind']}]"
        print(f"\r{message['created_at'][11:19]} {who}: {what}\n> ", end="", flush=True)

    def catch_up(self) -> None:
        params = {"after": self.newest} if self.newest else {"limit": 20}
        page = self.call("GET", f"/conversations/{self.conversation_id}/messages", params=params)
        for message in reversed(page["items"]):
            self.show(message)

    def listen(self) -> None:
        from websockets.sync.client import connect

        url = self.info["live_url"] + "/?" + urlencode({"token": self.token})
        while True:
            try:
                with connect(url, open_timeout=10) as socket:
                    self.catch_up()
                    for frame in socket:
                        event = json.loads(frame)
                        if event.get("type") == "message":
                            self.show(event["message"])
                        elif (
                            event.get("type") == "typing" and event["user_id"] != self.me["user_id"]
                        ):
                            who = self.names.get(event["user_id"], "?")
                            print(f"\r({who} is typing)\n> ", end="", flush=True)
            # Any drop (the server restarted, a 2-hour lifetime, a network change): say
            # so, reconnect, and catch up from history.
            except Exception as error:
                print(f"\r(connection lost: {error}; reconnecting)\n> ", end="", flush=True)
                time.sleep(1)

    def send(self, text: str) -> None:
        self.call(
            "POST",
            f"/conversations/{self.conversation_id}/messages",
            json={"text": text},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("user", help="who I am: a seeded name (alice) or an email")
    parser.add_argument("others", nargs="+", help="the handles to chat with")
    args = parser.parse_args()
    chat = Chat(read_local_json(), args.user, args.others)
    print(f"Conversation {chat.conversation_id}. Type a line and Enter to send; Ctrl-D quits.")
    threading.Thread(target=chat.listen, daemon=True).start()
    for line in sys.stdin:
        if line.strip():
            chat.send(line.rstrip("\n"))
    print()


if __name__ == "__main__":
    main()
