"""About the data: sources, definitions, methods, revisions and the rules the dashboard follows."""

import streamlit as st

from gse_dashboard import ui
from gse_dashboard.people import official_figures
from gse_dashboard.rules import accessibility
from gse_dashboard.strategy import metrics, timescales
from gse_dashboard.strategy.vocabulary import RATINGS, STATUSES

ui.page_guard()
st.title("About the data")
facts = ui.database_facts()
settings = ui.settings()

st.markdown("""
This dashboard shows how far delivery of the **Government Science and Engineering (GSE)
profession strategy** has come. The strategy was published in September 2016 with ten
workstreams and a five-year action plan (its Annex A). Every commitment in that action plan
is held here with a reference such as **WS4-S3** (workstream 4, short term, third
commitment). The page **The strategy** sets out its vision, mission, who is responsible and
how it is built, with page references.
""")

st.header("Sources")
st.markdown("""
- **The strategy**: *The Government Science and Engineering (GSE) Profession Strategy: our
  blueprint for the future of the GSE profession* (Government Office for Science, September
  2016). Workstreams, commitments, horizons and the baseline figures below come from it.
  The commitments' titles and descriptions, and the workstreams' aspirations and challenges,
  are **our summaries**, not the strategy's words: each points to the section and page where
  its own words are (`docs/STRATEGY_FIDELITY.md` records how they were checked).
- **Progress updates**: recorded on Manage data by the dashboard's editors (the GSE team and
  whoever it gives editing rights), usually at each quarter end. The strategy itself names no
  owner per commitment and sets no reporting cycle: the GSE Profession Board is responsible for
  delivery and the GCSA is senior responsible owner.
- **Civil Service Statistics** (Cabinet Office, official statistics from the Annual Civil
  Service Employment Survey, as at 31 March each year): civil servants in the profession's
  posts (profession of post), by grade and department, with new entrants and leavers, and
  their sex, ethnicity, disability, sexual orientation and age against the Civil Service as a
  whole. Imported from the data browser's published CSV files (the releases in
  `data/civil-service-statistics/` ship with the dashboard), each known from the day it was
  published. Contains public sector information licensed under the Open Government Licence v3.0.
- **Registered members**: the strategy's count of registered members of the profession
  (Civil Service Learning, September 2016).
""")
st.subheader("Two measures of the profession's size")
st.markdown(f"""
- {ui.escape_md(official_figures.MEASURE_DEFINITIONS["members"])}
- {ui.escape_md(official_figures.MEASURE_DEFINITIONS["acses_in_post"])}

The profession of post used is **{ui.escape_md(settings.profession)}** (the `GSE_PROFESSION` setting).
The strategy quotes its 2015 diversity figures without defining them. The dashboard works each
share out from the published counts as the Civil Service Statistics do: women of those with a known sex; ethnic
minority (Asian, Black, Chinese, Mixed and Other ethnicity) of those who declared; declared
disabled of declared disabled plus non-disabled; LGBO of LGBO plus heterosexual; aged 50 or
over of those with a known age. Each is kept with its numerator, denominator and declaration
rate. `[c]` in the published files (suppressed by the publisher) stays `[c]` here.
""")
st.subheader("Real figures: the strategy's baseline and the published statistics")
real = ui.load_real_figures()
ui.table_ui(real)
if facts.illustrative:
    st.warning(ui.ILLUSTRATIVE_NOTICE, icon=":material/info:")
    st.markdown("Rebuild without them for real use: `python -m gse_dashboard init --no-sample --force`.")

st.header("Definitions")
st.markdown(f"""
- **Status** of a commitment: {", ".join(metrics.status_label(s) for s in STATUSES)}
  (*closed* means closed without completion).
- **Delivery confidence** on the government's five-point scale, shown as word and symbol:
  {"; ".join(metrics.rating_label(r) for r in RATINGS)}. A commitment can carry its
  owner's rating and the Board's; where the Board has rated it, the Board's rating is shown.
  A workstream's rating is the average of its open commitments' ratings, rounding halves
  towards caution.
- **Dates are indicative.** {timescales.HOW_DATES_ARE_DERIVED}
- **Past its date** (never a bare "overdue"): {timescales.PAST_DATE_HELP} A commitment past its
  date is flagged "past its indicative date" or "past its set date", whatever its rating.
- **Owner**: {timescales.OWNERS_EXPLAINED}
- **Planned**: the share of commitments due by a date. **Actual**: the share complete at
  that date. **Work done (weighted)**: the average percent complete, which gives credit
  for work part done.
""")

st.header("Dates, history and revisions")
st.markdown("""
Every fact has two dates: the date it **refers to** and the time it was **recorded**.
Choosing an **as at** date shows what was known on that date: updates recorded later, even
about earlier periods, are left out. So a past Board meeting's view can be reproduced
exactly. Nothing is overwritten: a correction is stored as a new version, and a figure that
has been corrected is marked **[r]** (revised).
""")

st.header("Statistical disclosure control")
st.markdown(f"""
Counts of people below **{settings.suppression_threshold}**, and percentages based on fewer
than {settings.suppression_threshold} people, are not shown, nor any other figure from
which they could be worked out. The shorthand follows the Government Statistical Service:

| Symbol | Meaning |
|---|---|
| `[c]` | confidential: suppressed to protect individuals |
| `[x]` | not available |
| `[z]` | not applicable |
| `[r]` | revised since first published |

Diversity shares are the percentage **of those who declared**, shown with the declaration
rate.

**One protected table per period for every count of people.** For each period, members by
department, grade and role type, with every total any page shows (each department, grade and
role type, each pair of them, and the whole profession), is protected once, as a whole: beyond
the counts below {settings.suppression_threshold}, further figures are hidden until no hidden
figure can be narrowed to fewer than {settings.suppression_threshold} possible values from
everything shown together (counts being whole and never negative). Joiners and leavers have a
table of their own per period, protected the same way. Every figure a viewer sees, the
headlines included, comes from these tables: the Membership page, its charts and downloads,
the joiners and leavers, the changes since the last Board, Explore and the Board pack. The
whole-profession headline is the table's own total, or `[c]` with it. A change since the last
Board is shown only when both figures are shown.

**Corrections.** Once a period's figures have been shown, a correction cannot undo what was
hidden: every figure hidden at an earlier date stays hidden, and the corrected table is checked
together with every earlier version (as if a viewer knew exactly which cells were corrected)
before it is shown; where that is not enough, the figures the correction changed are hidden as
well. `[r]` marks a published figure whose value changed since it was first shown, never a
hidden one. Notes never carry a hidden figure: a qualifier ("about"), a revision or a
provisional mark is given only for figures that are shown.

**What you can and cannot put together.** Anything shown can be combined with anything else
shown, at any as-at date: every figure is a published figure of one protected table, so sums
and differences of them give nothing away. What is not shown cannot be asked for: Explore
shows counts of people for one department, grade and role type at a time, or for all of them;
a total over a choice of several is not one of the protected table's figures, and two such
totals could reveal a small number by difference, so Explore says so and shows nothing. Group
by the breakdown instead: for "Ministry of Defence and Dstl, AA/AO" choose grade AA/AO and
group by department; each department's figure and the total for all departments are shown, and
Explore's download has them all.

**Diversity.** Shares are protected the same way, one table per characteristic and period
(department × grade × in the group, declared otherwise, did not declare): a share is shown where
its numerator and the rest of its declared count are published, a declaration rate where its
declared count and headcount are. The return's headcounts are normally the members table's, so
the two are protected together: a headcount the members table hides is hidden here too, one it
shows counts as shown, and then those who did not declare are protected like any other count
(otherwise a headcount less a declared count would give them away). A share for several
departments (or grades) together is shown where each one's own figures are published, since it
is then a sum of published figures; where one of them is `[c]`, so is the total, and grouping by
department shows each one. Diversity is published by department and by grade, not by role type.

**Only complete periods.** A quarter's return by department, grade and role type is shown
once it is complete: when a whole file is imported, or, for a return loaded in parts
(`import --in-parts`), when it is marked complete (`complete-period`). Until then every page,
at any as-at date, shows the previous complete quarter, never a total of the cells that happen
to be in.

Charts and downloads carry the figures as shown (shares to one decimal place), no more.
""")

st.header("Accessibility statement")
st.markdown(accessibility.statement(settings.accessibility_contact))
