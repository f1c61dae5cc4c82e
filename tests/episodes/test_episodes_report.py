"""The bundled-payments report section: says when nothing is reconciled, suppresses small
cells."""

from __future__ import annotations

from types import SimpleNamespace

from apmlab.episodes import stage
from apmlab.report.html import SUPPRESSED
from episodes.claims import participation, person, stay


def test_section_without_participants_says_so(run_episodes):
    con = run_episodes(eligibility=[person("P1")],
                       medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "470", 9000)])
    (section,) = stage.sections(SimpleNamespace(con=con))
    assert "No hospital in the data participates" in section.body
    assert "No risk_hcc_count table" in section.body
    assert "9,000" not in section.body  # one episode: its dollars are suppressed
    assert SUPPRESSED.replace("<", "&lt;") in section.body


def test_nothing_else_runs_when_a_stage_has_no_episodes(run_episodes):
    """A stage must do nothing harmful with no anchor in the data: empty tables, a section."""
    con = run_episodes(eligibility=[person("P1")],
                       medical_claim=[stay("A1", "P1", "2021-03-01", "2021-03-04", "552", 9000)],
                       participation=[participation("cjr")])
    for table in ("episodes", "episode_reconciliation", "episode_exclusions"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
    (section,) = stage.sections(SimpleNamespace(con=con))
    assert "nothing is reconciled" in section.body
