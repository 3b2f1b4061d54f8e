"""lagbot's tables and domain operations. No Telegram imports: any front end can reuse this."""

from models.base import Base
from models.member import (
    DISTRICTS,
    INTERESTS,
    MESSAGE_KINDS,
    ROLES,
    ConsentRefusal,
    Member,
    MemberInterest,
    MemberRole,
)
from models.persistence_store import ConversationRow, PersistedData

__all__ = [
    "Base",
    "DISTRICTS",
    "INTERESTS",
    "MESSAGE_KINDS",
    "ROLES",
    "ConsentRefusal",
    "ConversationRow",
    "Member",
    "MemberInterest",
    "MemberRole",
    "PersistedData",
]
