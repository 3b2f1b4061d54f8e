"""Members, their roles and interests, and refusals of consent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.constants import DISTRICTS, INTERESTS, MESSAGE_KINDS, ROLES  # noqa: F401 - the vocabulary's home

STATUS_MEMBER = "member"  # in the member register
STATUS_SUPPORTER = "supporter"  # started the bot, not (yet) found in the register
STATUS_ERASED = "erased"  # asked to be forgotten; only anonymous counts remain
# An UPDATE of members with `execution_options(**{MEMBERS_TOUCHED: {ids}})` changes only those members
# (the member cache, bot/member_cache.py, then forgets only them rather than everyone).
MEMBERS_TOUCHED = "lagbot_members_touched"
# ... and with `MEMBERS_CURRENT: [member, …]` as well, it hands over those members as they are now (the
# statement's values already set on them), to be kept rather than forgotten.
MEMBERS_CURRENT = "lagbot_members_current"


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    member_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    district: Mapped[str | None] = mapped_column(String(20))
    joined_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="nb")
    status: Mapped[str] = mapped_column(String(12), default=STATUS_MEMBER)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Indexed: the newcomer nudge and the welcome upkeep read a window of recent onboardings.
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the account was linked: "phone" (proved the number), "board" (confirmed a request), or None.
    linked_by: Mapped[str | None] = mapped_column(String(10))
    wants_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    wants_nudges: Mapped[bool] = mapped_column(Boolean, default=True)
    wants_broadcasts: Mapped[bool] = mapped_column(Boolean, default=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when Telegram says the member blocked the bot (403); cleared when they come back.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Said "do not call me again" to a caller: no phone campaign includes them any more.
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roles: Mapped[list[MemberRole]] = relationship(
        back_populates="member", lazy="selectin", cascade="all, delete-orphan"
    )
    interests: Mapped[list[MemberInterest]] = relationship(
        back_populates="member", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def role_names(self) -> set[str]:
        return {"member"} | {r.role for r in self.roles}

    @property
    def interest_names(self) -> set[str]:
        return {i.interest for i in self.interests}

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None and self.status != STATUS_ERASED

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, f"wants_{kind}"))


class MemberRole(Base):
    __tablename__ = "member_roles"
    __table_args__ = (UniqueConstraint("member_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="roles")


class MemberInterest(Base):
    __tablename__ = "member_interests"
    # By interest: the nudge rules, broadcast audiences and board lists ask who has one.
    __table_args__ = (UniqueConstraint("member_id", "interest"), Index("ix_member_interests_interest", "interest", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    interest: Mapped[str] = mapped_column(String(30))
    # When the member chose it (the board's list of who is interested shows it); the clock's when given.
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="interests")


class ConsentRefusal(Base):
    """A declined consent: only a keyed one-way hash of the Telegram id and when."""

    __tablename__ = "consent_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_hash: Mapped[str] = mapped_column(String(64), index=True)
    # "hmac" (keyed, models/secrets.py); rows from before were a bare SHA-256: "sha256".
    hash_kind: Mapped[str] = mapped_column(String(10), default="hmac", server_default="sha256")
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
