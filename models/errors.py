"""Domain errors: each says what went wrong in words a front end can translate."""


class DomainError(Exception):
    """Base for every refusal the domain can give."""


class UnknownInvite(DomainError):
    """The invite token matches no member."""


class InviteAlreadyUsed(DomainError):
    """The invite belongs to a member already linked to another Telegram account."""


class PhoneLinkedElsewhere(DomainError):
    """The phone number belongs to a member linked to another Telegram account."""


class InvalidPhone(DomainError):
    """The phone number cannot be understood."""


class UnknownChoice(DomainError):
    """A district, interest, language, role or message kind that does not exist."""


class NotFound(DomainError):
    """The thing asked for does not exist (any more)."""


class MemberNotFound(NotFound):
    """No member matches."""


class NotAllowed(DomainError):
    """The one acting does not (any more) hold the role the step needs."""


class LinkNotPossible(DomainError):
    """A link request was decided already, or one side was linked meanwhile."""
