"""lagbot's tables and domain operations. No Telegram imports: any front end can reuse this."""

from models.asks import Ask, AskAnswer, AskPartner, AskRecipient
from models.base import Base
from models.broadcast import Broadcast, BroadcastReply
from models.events import Event, Rsvp, Series
from models.inbox import InboxUpdate
from models.leader_training import LeaderTraining
from models.linking import LinkRequest
from models.member import DISTRICTS, INTERESTS, MESSAGE_KINDS, ROLES, ConsentRefusal, Member, MemberInterest, MemberRole
from models.nudges import NudgeState, RuleSwitch
from models.outbox import OutboxMessage
from models.partners import EventPartner, Partner
from models.persistence_store import ConversationRow, PersistedData
from models.phonebank import CallAttempt, CallTarget, Campaign
from models.rounds import DoorInput, Round, RoundReport, Signup, Team
from models.secrets import Secret
from models.survey_tables import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from models.tombstones import LeftMember, Tombstone
from models.upkeep_runs import UpkeepRun
from models.welcome import WelcomeTask

__all__ = [
    "DISTRICTS",
    "INTERESTS",
    "MESSAGE_KINDS",
    "ROLES",
    "Ask",
    "AskAnswer",
    "AskPartner",
    "AskRecipient",
    "Base",
    "Broadcast",
    "BroadcastReply",
    "CallAttempt",
    "CallTarget",
    "Campaign",
    "ConsentRefusal",
    "ConversationRow",
    "DoorInput",
    "Event",
    "EventPartner",
    "InboxUpdate",
    "LeaderTraining",
    "LeftMember",
    "LinkRequest",
    "Member",
    "MemberInterest",
    "MemberRole",
    "NudgeState",
    "OutboxMessage",
    "Partner",
    "PersistedData",
    "Round",
    "RoundReport",
    "Rsvp",
    "RuleSwitch",
    "Secret",
    "Series",
    "Signup",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "Team",
    "Tombstone",
    "UpkeepRun",
    "WelcomeTask",
]
