"""The run's bookkeeping: one incident row per exchange of fire, and the episodes they belong to.

An episode (:class:`sim.record.patterns.Episode`) opens with unprovoked fire or an offensive's first
barrage in a sector; every exchange that answers or continues it is added to it. Losses and claims are
kept per side, in the order of :data:`sim.model.params.SIDES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sim.model.params import SIDES
from sim.record.patterns import Episode

if TYPE_CHECKING:
    from sim.model.agents import BorderPosition


class Incident(NamedTuple):
    """One exchange of fire: a row of incidents.csv (its columns are these fields, in this order)."""

    id: int
    time_hours: float
    sector: str
    initiator: str  # the side that fired
    target: str  # the side fired upon (it takes the casualties)
    kind: str  # "unprovoked", "retaliation", "spillover" or "offensive"
    tier: int
    killed_ARM: int
    killed_AZE: int
    wounded_ARM: int
    wounded_AZE: int
    retaliation_of: int  # the exchange this one answers (-1: it opened an episode)
    episode: int  # its episode's id
    claim_ARM: str  # whom ARM says fired first in the episode ("" = no claim)
    claim_AZE: str
    verified: bool  # a peacekeeper established who fired first


INCIDENT_FIELDS = Incident._fields
LOSS_FIELDS = tuple(f"{what}_{side}" for what in ("killed", "wounded") for side in SIDES)
CLAIM_FIELDS = tuple(f"claim_{side}" for side in SIDES)
ROW_LAYOUT = (
    *("id", "time_hours", "sector", "initiator", "target", "kind", "tier"),
    *LOSS_FIELDS,
    *("retaliation_of", "episode"),
    *CLAIM_FIELDS,
    "verified",
)  # how IncidentLog.add builds a row; equal to INCIDENT_FIELDS (a test keeps them so)
_NO_LOSSES = (0,) * len(LOSS_FIELDS)  # killed per side, then wounded per side: most exchanges' losses
_LOSS_AT = {side: (i, len(SIDES) + i) for i, side in enumerate(SIDES)}  # side -> where its killed, wounded go
_NONE, _NOT_YET = dict.fromkeys(SIDES, 0), dict.fromkeys(SIDES, False)  # an episode's losses and answers (copied)
_new_row = tuple.__new__  # Incident(...) without NamedTuple's argument handling (once per exchange)


class IncidentLog:
    """The incidents of a run, in time order, and its episodes (each updated by its exchanges)."""

    def __init__(self):
        self.incidents: list[Incident] = []
        self.episodes: list[Episode] = []
        self._tails: list[tuple] = []  # per episode: the end of its rows (episode, claims per side, verified)

    def open_episode(
        self, now: float, initiator: BorderPosition, kind: str, verified: bool, blamed: dict[str, str | None]
    ) -> Episode:
        """A new episode opened by ``initiator`` now; ``blamed``: whom each side says fired first."""
        killed, wounded, retaliated = _NONE.copy(), _NONE.copy(), _NOT_YET.copy()
        eid = len(self.episodes)
        kind = "offensive" if kind == "offensive" else "unprovoked"
        episode = Episode(
            now, killed, wounded, 0, blamed, retaliated, eid, initiator.sector, initiator.side, verified, kind
        )
        self.episodes.append(episode)
        self._tails.append((eid, *[blamed[side] or "" for side in SIDES], verified))
        return episode

    def add(self, now, episode: Episode, firer: BorderPosition, kind: str, tier: int, killed, wounded, answers) -> int:
        """Log an exchange of ``firer`` at its opponent in ``episode``: ``killed`` and ``wounded`` on the side
        fired upon, ``answers`` the exchange it answers (-1: none). Return the exchange's id."""
        target = firer.opponent.side
        episode.exchanges += 1
        if killed:
            episode.killed[target] += killed
        if wounded:
            episode.wounded[target] += wounded
        if tier > episode.max_tier:
            episode.max_tier = tier
        if kind == "retaliation":
            episode.retaliated[firer.side] = True
        losses = _NO_LOSSES
        if killed or wounded:
            losses = list(_NO_LOSSES)
            k, w = _LOSS_AT[target]
            losses[k], losses[w] = killed, wounded
        xid = len(self.incidents)
        row = (xid, now, firer.sector, firer.side, target, kind, tier, *losses, answers, *self._tails[episode.id])
        self.incidents.append(_new_row(Incident, row))
        return xid
