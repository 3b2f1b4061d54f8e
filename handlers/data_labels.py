"""The keys of /mine_data in the member's language: a reader sees "Telefon", not `phone`."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translate
from handlers.common import DISTRICT_LABELS, INTEREST_LABELS, LANGUAGE_NAMES, ROLE_LABELS

KEY_LABELS: dict[str, str] = {
    "member": N_("About you"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "member_number": N_("Member number"),
    "telegram_id": N_("Telegram account"),
    "district": N_("District"),
    "joined_on": N_("Joined on"),
    "language": N_("Language"),
    "status": N_("Status"),
    "verified": N_("Verified"),
    "linked_at": N_("Linked at"),
    "linked_by": N_("Linked by"),
    "onboarded_at": N_("Started lagbot at"),
    "created_at": N_("Stored since"),
    "last_active_at": N_("Last active"),
    "unreachable_since": N_("Blocked the bot since"),
    "do_not_call": N_("Do not call me"),
    "consent": N_("Consent"),
    "given_at": N_("Given at"),
    "reminders": N_("Reminders"),
    "suggestions": N_("Suggestions"),
    "messages_from_the_board": N_("Messages from the board"),
    "roles": N_("Roles"),
    "interests": N_("Interests"),
    "door_knocking": N_("Door-knocking rounds"),
    "round": N_("Round"),
    "starts_at": N_("Starts"),
    "attended": N_("Attended"),
    "signed_up_at": N_("Signed up at"),
    "rounds_you_lead": N_("Rounds you lead"),
    "events": N_("Events"),
    "event": N_("Event"),
    "answer": N_("Answer"),
    "seat": N_("Seat"),
    "answered_at": N_("Answered at"),
    "events_you_are_contact_for": N_("Events you are the contact person for"),
    "input_from_the_doors": N_("Input from the doors"),
    "theme": N_("Theme"),
    "text": N_("Text"),
    "at": N_("When"),
    "round_reports_you_filed": N_("Round reports you filed"),
    "leader_training": N_("Leader training"),
    "offered_at": N_("Offered at"),
    "accepted_at": N_("Accepted at"),
    "doors": N_("Doors"),
    "conversations": N_("Conversations"),
    "themes": N_("Themes"),
    "phone_rounds_about_you": N_("Phone rounds that called you"),
    "phone_round": N_("Phone round"),
    "attempts": N_("Attempts"),
    "outcome": N_("Outcome"),
    "note": N_("Note"),
    "calls": N_("Calls"),
    "calls_you_made": N_("Calls you made"),
    "welcome_call": N_("Welcome call to you"),
    "due_at": N_("Due"),
    "taken_at": N_("Taken at"),
    "first_contact_at": N_("First contact"),
    "late": N_("Late"),
    "welcome_calls_you_took": N_("Welcome calls you took"),
    "replies_to_broadcasts": N_("Your replies to messages from the board"),
    "broadcast": N_("Message from the board"),
    "messages_from_lagbot": N_("Messages from lagbot to you"),
    "kind": N_("Kind"),
    "topic": N_("Topic"),
    "sent_at": N_("Sent at"),
    "rule": N_("Suggestion"),
    "snoozed_until": N_("Not now until"),
    "off": N_("Turned off"),
    "link_requests": N_("Requests to link an account"),
    "telegram_name": N_("Telegram name"),
    "decided_at": N_("Decided at"),
    "messages_being_handled": N_("Messages to lagbot being handled"),
    "received_at": N_("Received at"),
    "drafts": N_("Unfinished conversations"),
    "survey_answers": N_("Your answers to surveys"),
    "survey": N_("Survey"),
    "question": N_("Question"),
    "your_answer": N_("Your answer"),
    "filled_in_by_a_caller": N_("Filled in by a caller during a call"),
    "answers_to_asks": N_("Your answers to asks for input"),
    "asks_you_got": N_("Asks for input you got"),
    "answers_for_partner_organisations": N_("Your answers for a partner organisation"),
    "ask": N_("Ask"),
    "organisation": N_("Organisation"),
    "not_for_me": N_("Not for me"),
}
# Survey texts: the district-chapter mapping's are msgids, a district answer is a code.
SURVEY_WORDS = frozenset({"survey", "question", "your_answer"})
# Values that are codes of lagbot's own vocabulary, shown in words.
VALUE_LABELS: dict[str, dict[str, str]] = {"district": DISTRICT_LABELS, "interests": INTEREST_LABELS, "roles": ROLE_LABELS}


def readable(document: Any, _: Translate, key: str | None = None) -> Any:
    """`document` with every key in the reader's language, and district, interests and roles in words."""
    if isinstance(document, dict):
        return {_(KEY_LABELS[k]) if k in KEY_LABELS else k: readable(v, _, k) for k, v in document.items()}
    if isinstance(document, list):
        return [readable(item, _, key) for item in document]
    if key in SURVEY_WORDS and isinstance(document, str):  # a ready-made survey's msgids; the board's text stays as written
        return _(DISTRICT_LABELS.get(document, document))
    labels = VALUE_LABELS.get(key or "")
    if isinstance(document, str) and labels and document in labels:
        return _(labels[document])
    if key == "language" and isinstance(document, str):
        return LANGUAGE_NAMES.get(document, document)
    return document
