"""The keys of /mine_data in the member's language: a reader sees "Telefon", not `phone`."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translate
from bot.nudge_messages import RULE_LABELS
from bot.round_messages import THEME_LABELS
from handlers.cards import ANSWER_LABELS
from handlers.common import DISTRICT_LABELS, INTEREST_LABELS, LANGUAGE_NAMES, ROLE_LABELS
from handlers.phonebank import OUTCOME_LABELS as CALL_OUTCOMES
from handlers.welcome import OUTCOME_LABELS as WELCOME_OUTCOMES

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
    "said_coming_at": N_("Said “I'm coming” at"),
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
    "conversation": N_("Conversation"),
    "last_step_at": N_("Your last step in it"),
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
# Values that are codes of lagbot's own vocabulary, shown in words (wherever the key appears).
# What one is, first among the roles: a member, or a supporter confirmed by the board or not yet.
EXPORT_ROLE_LABELS = {**ROLE_LABELS, "supporter": N_("supporter, confirmed by the board"),
                      "unconfirmed_supporter": N_("supporter, not yet confirmed by the board")}
VALUE_LABELS: dict[str, dict[str, str]] = {"district": DISTRICT_LABELS, "interests": INTEREST_LABELS, "roles": EXPORT_ROLE_LABELS,
                                           "theme": THEME_LABELS, "themes": THEME_LABELS, "rule": RULE_LABELS}
# What a message from lagbot was about (the outbox's topic codes), in words.
TOPIC_LABELS: dict[str, str] = {
    "round.reminder_24h": N_("reminder the day before a door-knocking round"),
    "round.reminder_2h": N_("reminder two hours before a door-knocking round"),
    "round.briefing": N_("briefing before a door-knocking round"),
    "round.leader_briefing": N_("briefing for the round's leader"),
    "round.followup": N_("“How did it go?” after a door-knocking round"),
    "round.debrief": N_("invitation to the gathering after a round"),
    "round.promoted": N_("a seat on a round from the waiting list"),
    "round.moved": N_("a door-knocking round moved"),
    "round.place": N_("a new meeting point for a round"),
    "round.cancelled": N_("a door-knocking round cancelled"),
    "round.report": N_("reminder to file the round's report"),
    "round.leader_assigned": N_("you lead a team on a round"),
    "round.leader_removed": N_("you no longer lead a team on a round"),
    "round.leader_offer": N_("offer of leader training"),
    "round.leader_candidate": N_("a member who could be offered leader training"),
    "round.leader_accepted": N_("a member said yes to leader training"),
    "round.leader_made": N_("you became a door-knocking leader"),
    "event.reminder_24h": N_("reminder the day before an event"),
    "event.reminder_2h": N_("reminder two hours before an event"),
    "event.promoted": N_("a place at an event from the waiting list"),
    "event.moved": N_("an event moved"),
    "event.cancelled": N_("an event cancelled"),
    "event.series_moved": N_("a repeating event moved"),
    "event.series_cancelled": N_("a repeating event cancelled"),
    "event.contact_assigned": N_("you are an event's contact person"),
    "call.callback": N_("reminder to call someone back"),
    "call.hold_expired": N_("a call you held went back to the queue"),
    "call.invitation": N_("invitation to phone members"),
    "call.signed_up": N_("signed up by a caller"),
    "call.signed_up_event": N_("signed up for an event by a caller"),
    "welcome": N_("welcome message"),
    "welcome.offer": N_("a welcome call to take"),
    "welcome.late": N_("a late welcome call"),
    "member.verified": N_("your membership was verified"),
    "link.confirmed": N_("your account was linked"),
    "link.refused": N_("a request to link your account was refused"),
    "link.moved": N_("your membership moved to another account"),
    "board.link_request": N_("a request to link an account"),
    "board.link_moved": N_("a membership moved to another account"),
    "board.nothing_planned": N_("nothing planned in the coming weeks"),
    "broadcast.reply": N_("a member's reply to the board"),
    "nudge": N_("suggestion"),
    "survey.invite": N_("invitation to a survey"),
    "ask.open": N_("ask for input"),
    "ask.reminder": N_("reminder about an ask for input"),
    "ask.summary": N_("summary of an ask for input"),
}
WAITING_LIST = N_("on the waiting list")
DONE = N_("done")
# Codes whose words depend on the part of the document they are in (a status of a sign-up is not
# one of a phone call): (section, key) -> code -> words.
SECTION_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("member", "status"): {"member": N_("member"), "supporter": N_("supporter, not found in the member register"),
                           "erased": N_("erased")},
    ("member", "linked_by"): {"phone": N_("your shared phone number"), "board": N_("the board")},
    ("door_knocking", "status"): {"confirmed": N_("signed up"), "waiting": WAITING_LIST, "left": N_("left"),
                                  "cancelled": N_("the round was cancelled"), "not_held": N_("the round did not take place")},
    ("events", "answer"): ANSWER_LABELS,
    ("events", "seat"): {"confirmed": N_("has a place"), "waiting": WAITING_LIST, "none": N_("no place"),
                         "cancelled": N_("the event was cancelled")},
    ("phone_rounds_about_you", "status"): {"queued": N_("waiting to be called"), "held": N_("being called"), "done": DONE},
    ("phone_rounds_about_you", "outcome"): {**CALL_OUTCOMES, "erased": N_("erased")},
    ("welcome_call", "status"): {"open": N_("not taken yet"), "taken": N_("taken by a welcomer"), "done": DONE},
    ("welcome_call", "outcome"): WELCOME_OUTCOMES,
    ("messages_from_lagbot", "kind"): {"reminder": N_("reminder"), "nudge": N_("suggestion"), "welcome": N_("welcome"),
                                       "broadcast": N_("message from the board"), "notice": N_("notice"), "task": N_("task")},
    ("messages_from_lagbot", "topic"): TOPIC_LABELS,
    ("messages_from_lagbot", "status"): {"pending": N_("waiting to be sent"), "claimed": N_("being sent"), "sent": N_("sent"),
                                         "failed": N_("could not be sent"), "skipped": N_("not sent")},
    ("link_requests", "status"): {"pending": N_("waiting for the board"), "confirmed": N_("linked"), "refused": N_("refused"),
                                  "settled": N_("settled by a shared phone number")},
}


def readable(document: Any, _: Translate, key: str | None = None, section: str | None = None) -> Any:
    """`document` with every key in the reader's language, and lagbot's codes (district, interests,
    roles, statuses, answers, outcomes, themes …) in words."""
    if isinstance(document, dict):
        return {_(KEY_LABELS[k]) if k in KEY_LABELS else k: readable(v, _, k, section or k) for k, v in document.items()}
    if isinstance(document, list):
        return [readable(item, _, key, section) for item in document]
    if key in SURVEY_WORDS and isinstance(document, str):  # a ready-made survey's msgids; the board's text stays as written
        return _(DISTRICT_LABELS.get(document, document))
    labels = SECTION_LABELS.get((section or "", key or "")) or VALUE_LABELS.get(key or "")
    if isinstance(document, str) and labels and document in labels:
        return _(labels[document])
    if key == "language" and isinstance(document, str):
        return LANGUAGE_NAMES.get(document, document)
    return document
