"""What an employer can do with one of their postings (continue, renew, duplicate, edit…):
each feature registers its action here, and the account pages show the ones that apply.

    @action("Renew", order=20)
    def renew(posting):
        return reverse("wizard:renew", args=[posting.pk]) if can_renew(posting) else None

An action answers its URL for a posting, or None where it does not apply. `method` "post"
shows it as a button in a small form (an action that changes something); "get" as a link.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    label: str
    url_for: object  # posting -> URL or None
    order: int = 50
    method: str = "get"


_ACTIONS = []


def action(label, *, order=50, method="get"):
    def register(url_for):
        _ACTIONS.append(Action(label, url_for, order, method))
        _ACTIONS.sort(key=lambda found: found.order)
        return url_for

    return register


@dataclass(frozen=True)
class Offered:
    label: str
    url: str
    method: str


def offered(posting):
    """The actions that apply to `posting`, in order, with their URLs."""
    found = ((each, each.url_for(posting)) for each in _ACTIONS)
    return [Offered(each.label, url, each.method) for each, url in found if url]
