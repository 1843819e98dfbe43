"""Name cards for histories that arrived before the hub made them (`hjdesk hub name-cards`, H-37).

The hub writes a name card when it re-announces a person's history to the establishment they
arrive at, or stores a record written elsewhere about a person placed there (`scope.Scope`). A
hub upgraded from before cards holds histories that reached their establishment earlier: those
get cards only at the person's next arrival, or when such a record is written again. This does
for every establishment at once what an arrival does for one person: for each patient placed
there (`scope.placed_at`: on its roll), it reads the staff their travelling documents name
(`scope.travels`, `name_cards.person_columns` and `people_of`, the same query an arrival runs)
and writes the cards missing or stale there (`name_cards.write_cards`, same ids). A card that
already says what it would say is left alone (`keep_current`), so a second run writes nothing
and no laptop pulls anything again.

Memory stays bounded on a hub of millions of documents: patients are read a page at a time,
each page its own snapshot, and of their documents only the staff-naming fields are selected;
what is kept between pages is the set of staff ids named at each establishment. The cards are
then written in one serialised write transaction, like a push.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from hjdesk.sync.bulk import among
from hjdesk.sync.hub import admin_log, name_cards, schema
from hjdesk.sync.hub.scope import establishment_codes, placed_at, travels
from hjdesk.sync.hub.store import HubStore

# Patients read per snapshot (their documents with them): bounded memory on a hub of millions.
PAGE = 500


@dataclass(frozen=True, slots=True)
class CardsWritten:
    """What a run did: counts only, never who the cards or records are about."""

    written: int
    establishments: int  # that received at least one card
    current: int  # cards already there and up to date

    def line(self) -> str:
        cards = "name card" if self.written == 1 else "name cards"
        places = "establishment" if self.establishments == 1 else "establishments"
        return (
            f"Wrote {self.written} {cards} at {self.establishments} {places} "
            f"({self.current} already up to date)."
        )


def named_by_placed_histories(store: HubStore, *, page: int = PAGE) -> dict[str, set[str]]:
    """Establishment code → the staff ids the travelling documents of the patients placed there
    name (their own staff included: `write_cards` leaves those out)."""
    pat, docs = schema.patients, schema.documents
    people = name_cards.person_columns()
    named: defaultdict[str, set[str]] = defaultdict(set)
    # The filter only spares reading people on no roll; `placed_at` decides, as for an arrival.
    patients = (
        select(pat.c.id, pat.c.establishment_id, pat.c.on_roll)
        .where(pat.c.on_roll.is_(True), pat.c.establishment_id.is_not(None))
        .order_by(pat.c.id)
        .limit(page)
    )
    after: str | None = None
    while True:
        with store.reading() as conn:
            codes = establishment_codes(conn)
            rows = conn.execute(
                patients if after is None else patients.where(pat.c.id > after)
            ).all()
            here = {
                pid: code
                for pid, ref, on_roll in rows
                if (code := placed_at((ref, bool(on_roll)), codes)) is not None
            }
            if here:
                history = conn.execute(
                    select(docs.c.patient_id, *people).where(
                        among(conn, docs.c.patient_id, sorted(here)), travels()
                    )
                )
                for row in history:
                    named[here[row.patient_id]].update(name_cards.people_of([row]))
        if len(rows) < page:
            return dict(named)
        after = rows[-1].id  # the database's order (a PostgreSQL collation is not Python's)


def write_missing_cards(
    store: HubStore, *, page: int = PAGE, who: str | None = None
) -> CardsWritten:
    """Write every name card the placed patients' histories call for and the hub lacks (or holds
    with an old name or role); leave the rest as they are. The admin log records the counts."""
    named = named_by_placed_histories(store, page=page)
    with store.writing() as (conn, seqs):
        written, current = name_cards.write_cards(conn, seqs, named, keep_current=True)
        done = CardsWritten(sum(written.values()), len(written), current)
        counts = {
            "written": done.written,
            "establishments": done.establishments,
            "current": done.current,
        }
        admin_log.append(
            conn, who or admin_log.operator(), admin_log.NAME_CARDS_WRITTEN, None, counts
        )
    return done
