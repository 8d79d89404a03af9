"""Every key string of direct messages.

A conversation is one partition, `CONVO#<conversation_id>`:
- `META`: the conversation (group or not, title, member ids, the last message id);
- `MEMBER#<user_id>`: one per member (role, folder, how far they read);
- `MSG#<message_id>`: its messages, time-ordered ids, so history is one Query.
`META` and `MEMBER#` sort before `MSG#`, so the conversation and its members are one
Query too (SK < "MSG#").
A 1:1 conversation is found from its pair (`DMPAIR#<low>#<high>`), whoever starts it.
My inbox is a partition of entries, `CONVOS#<user_id>` / `CONVO#<conversation_id>`,
listed on GSI1 per folder by latest activity.
"""

from __future__ import annotations

import hashlib

from photogram.keys import Key

META_SK = "META"
MEMBER_PREFIX = "MEMBER#"
MESSAGE_PREFIX = "MSG#"
FOLDERS = ("inbox", "requests")


def conversation_pk(conversation_id: str) -> str:
    return f"CONVO#{conversation_id}"


def meta_key(conversation_id: str) -> Key:
    return conversation_pk(conversation_id), META_SK


def member_key(conversation_id: str, user_id: str) -> Key:
    return conversation_pk(conversation_id), f"{MEMBER_PREFIX}{user_id}"


def message_key(conversation_id: str, message_id: str) -> Key:
    return conversation_pk(conversation_id), f"{MESSAGE_PREFIX}{message_id}"


def message_sk(message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{message_id}"


def pair_key(user_a: str, user_b: str) -> Key:
    low, high = sorted((user_a, user_b))
    return f"DMPAIR#{low}#{high}", "PAIR"


def inbox_pk(user_id: str) -> str:
    return f"CONVOS#{user_id}"


def entry_key(user_id: str, conversation_id: str) -> Key:
    return inbox_pk(user_id), f"CONVO#{conversation_id}"


def folder_pk(user_id: str, folder: str) -> str:
    """GSI1PK of my entries in one folder ("inbox" or "requests")."""
    return f"CONVOS#{user_id}#{folder}"


def folder_sk(updated_at: str, conversation_id: str) -> str:
    return f"{updated_at}#{conversation_id}"


def idempotency_key(caller_id: str, key: str) -> Key:
    # Hashed: the client's key is free text and must not shape our partition keys.
    digest = hashlib.sha256(f"{caller_id}\n{key}".encode()).hexdigest()
    return f"IDEMPOTENCY#{digest}", "SEND_MESSAGE"
