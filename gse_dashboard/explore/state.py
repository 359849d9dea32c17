"""The whole state of the Explore page (ExploreState), to and from the URL's query parameters.

A hand-edited URL gets messages, never an exception: a link reproduces the view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..rules import text_rules
from .choices import (
    BOARD,
    CODE_PATTERN,
    COMMITMENTS,
    COUNT,
    DEFAULT_SOURCE,
    FIXED_VALUES,
    LABELS,
    LIST_FILTERS,
    MAX_GROUPINGS,
    MEASURES,
    NO_GROUPING,
    NOT_OVERDUE,
    OVERDUE,
    PARAM_KEYS,
    PROFESSION_LABELS,
    PROFESSION_SOURCES,
    QUARTER,
    VALUE_MAX,
    Choices,
    default_group_by,
    dimensions_for,
    filters_for,
)

# -- the state and the URL -----------------------------------------------------------------------

@dataclass(frozen=True)
class ExploreState:
    """Everything that decides what Explore shows; hashable, so it can key a cache.

    `messages` says what a URL held that could not be used; it is not part of the state.
    """

    source: str = DEFAULT_SOURCE
    as_at: str | None = None
    # For an indicator the periods the figures refer to; for commitments their due dates.
    period_from: str | None = None
    period_to: str | None = None
    population: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    grade: tuple[str, ...] = ()
    role_type: tuple[str, ...] = ()
    workstream: tuple[int, ...] = ()
    horizon: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    rating: tuple[str, ...] = ()
    overdue: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    # For commitments: the count, or a share (choices.MEASURES); figures of an indicator are what they are.
    measure: str = COUNT
    # The groups the chart draws (as labelled in the table); empty: every group.
    show: tuple[str, ...] = ()
    messages: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def filters(self) -> dict[str, tuple]:
        """The list filters that are set, by name."""
        return {name: getattr(self, name) for name in LIST_FILTERS if getattr(self, name)}


def to_query_params(state: ExploreState) -> dict[str, str | list[str]]:
    """STATE as URL query parameters: one value as a string, several as a list, unset ones left out."""
    params: dict[str, str | list[str]] = {"source": state.source}
    if state.as_at:
        params["as_at"] = state.as_at
    if state.period_from:
        params["from"] = state.period_from
    if state.period_to:
        params["to"] = state.period_to
    for name, values in state.filters.items():
        texts = [str(v) for v in values]
        params[name] = texts[0] if len(texts) == 1 else texts
    groups = list(state.group_by)
    params["by"] = groups[0] if len(groups) == 1 else groups or NO_GROUPING
    if state.measure != COUNT:
        params["measure"] = state.measure
    if state.show:
        params["show"] = state.show[0] if len(state.show) == 1 else list(state.show)
    return params


def view_link(state: ExploreState, page: str = "explore") -> str:
    """The relative URL that opens STATE on the Explore page."""
    return f"{page}?{urlencode(to_query_params(state), doseq=True)}"


def as_list(value) -> list[str]:
    """A query parameter's value as a list of strings: none, one string, or each of several."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]


def _date(text: str) -> str | None:
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def from_query_params(params: Mapping[str, object], choices: Choices | None = None) -> ExploreState:
    """The state a URL's query parameters describe; whatever cannot be used is left out and explained.

    PARAMS maps each key to a string or a list of strings (a key given several times). With
    CHOICES, indicators, breakdown values and workstreams are checked against the data too.
    Never raises for a bad value: the returned state's `messages` say what was ignored and why.
    """
    messages: list[str] = []
    given = {str(key): [v.strip() for v in as_list(value)] for key, value in params.items()}
    for key in given:
        if key not in PARAM_KEYS:
            messages.append(f"'{text_rules.echo(key)}' is not an Explore setting, so it was ignored.")

    def single(key: str) -> str | None:
        values = [v for v in given.get(key, []) if v]
        if len(set(values)) > 1:
            messages.append(f"{key} was given {len(values)} times; the last one, "
                            f"'{text_rules.echo(values[-1])}', was used.")
        return values[-1] if values else None

    source = single("source") or DEFAULT_SOURCE
    if len(source) > VALUE_MAX or (source != COMMITMENTS and source not in PROFESSION_SOURCES and not (
            source in choices.indicators if choices else CODE_PATTERN.match(source))):
        messages.append(f"source '{text_rules.echo(source)}' is not an indicator or '{COMMITMENTS}', "
                        f"so {DEFAULT_SOURCE} are shown instead.")
        source = DEFAULT_SOURCE
    noun = ("commitments" if source == COMMITMENTS else PROFESSION_LABELS[source] if source in PROFESSION_SOURCES
            else choices.indicators[source].name if choices and source in choices.indicators else source)

    dates = {}
    for key in ("as_at", "from", "to"):
        text = single(key)
        dates[key] = _date(text) if text else None
        if text and dates[key] is None:
            messages.append(f"{key} '{text_rules.echo(text)}' is not a date written as YYYY-MM-DD, so it was ignored.")
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        messages.append(f"from {dates['from']} is after to {dates['to']}, so both were ignored.")
        dates["from"] = dates["to"] = None

    allowed_filters = filters_for(source, choices)
    chosen: dict[str, tuple] = {}
    for name in LIST_FILTERS:
        values = [v for v in dict.fromkeys(given.get(name, [])) if v]
        if not values:
            continue
        if name not in allowed_filters:
            messages.append(f"{name} does not apply to {noun}, so it was ignored.")
            continue
        kept = []
        for value in values:
            value = _canonical(name, value, source, choices)
            problem = _value_problem(name, value, source, choices)
            if problem:
                messages.append(problem)
            else:
                kept.append(int(value) if name == "workstream" else value)
        chosen[name] = tuple(dict.fromkeys(kept))

    groups = [g for g in dict.fromkeys(given["by"]) if g] if "by" in given else list(default_group_by(source))
    if NO_GROUPING in groups:
        groups = [g for g in groups if g != NO_GROUPING]
    allowed_groups = dimensions_for(source, choices)
    unusable = [g for g in groups if g not in allowed_groups]
    for group in unusable:
        messages.append(f"{noun} cannot be grouped by '{text_rules.echo(group)}', so that grouping was ignored "
                        f"(choose from {', '.join(allowed_groups)}).")
    groups = [g for g in groups if g in allowed_groups]
    if unusable and not groups:
        groups = list(default_group_by(source))
    over_time_groups = [g for g in groups if g in (BOARD, QUARTER)]
    if len(over_time_groups) > 1:
        messages.append(f"Commitments are followed at Board meetings or at quarter ends, not both: kept "
                        f"{over_time_groups[0]}.")
        groups = [g for g in groups if g not in over_time_groups[1:]]
    if len(groups) > MAX_GROUPINGS:
        messages.append(f"At most {MAX_GROUPINGS} groupings at once: kept {' and '.join(groups[:MAX_GROUPINGS])}.")
        groups = groups[:MAX_GROUPINGS]
    show = tuple(dict.fromkeys(v[:VALUE_MAX] for v in given.get("show", []) if v))
    measure = (single("measure") or COUNT).lower()
    if measure != COUNT and (source != COMMITMENTS or measure not in MEASURES):
        what = "is not a measure of commitments" if source == COMMITMENTS else f"applies to commitments, not {noun}"
        messages.append(f"measure '{text_rules.echo(measure)}' {what} (choose from {', '.join(MEASURES)}), "
                        "so the count is shown.")
        measure = COUNT

    return ExploreState(source=source, as_at=dates["as_at"], period_from=dates["from"], period_to=dates["to"],
                        group_by=tuple(groups), measure=measure, show=show, messages=tuple(messages), **chosen)


def _known_values(name: str, source: str, choices: Choices | None) -> tuple[str, ...] | None:
    """The values filter NAME can take for SOURCE, or None when they cannot be known here."""
    if name in FIXED_VALUES:
        return tuple(FIXED_VALUES[name])
    if choices is None or name == "workstream":
        return None
    return tuple(choices.values.get(source, {}).get(name, ()))


# Words older links and saved views used for a commitment past its date.
_ALIASES = {"overdue": {"overdue": OVERDUE, "not overdue": NOT_OVERDUE}}


def _canonical(name: str, value: str, source: str, choices: Choices | None) -> str:
    """VALUE as the data writes it: a link's 'grade=scs' or 'overdue=Overdue' matched without regard to case."""
    value = _ALIASES.get(name, {}).get(value.casefold(), value)
    known = _known_values(name, source, choices)
    if known is None or value in known:
        return value
    return next((v for v in known if v.casefold() == value.casefold()), value)


def _value_problem(name: str, value: str, source: str, choices: Choices | None) -> str | None:
    """Why VALUE cannot be used as filter NAME, or None if it can (letter case aside)."""
    if len(value) > VALUE_MAX:
        return f"A {LABELS[name].lower()} value over {VALUE_MAX} characters was ignored."
    value = _canonical(name, value, source, choices)
    if name in FIXED_VALUES:
        if value not in FIXED_VALUES[name]:
            return (f"{name} '{text_rules.echo(value)}' is not one of {', '.join(FIXED_VALUES[name])}, "
                    "so it was ignored.")
        return None
    if name == "workstream":
        known = choices.workstreams if choices else range(1, 100)
        # isdigit() is true for '²' and other digits int() refuses: only ASCII 0-9 is a number here.
        if not (value.isascii() and value.isdigit()) or int(value) not in known:
            return f"workstream '{text_rules.echo(value)}' is not a workstream number, so it was ignored."
        return None
    if choices is not None and value not in choices.values.get(source, {}).get(name, ()):
        return f"{LABELS[name].lower()} '{text_rules.echo(value)}' does not appear in the data, so it was ignored."
    return None
