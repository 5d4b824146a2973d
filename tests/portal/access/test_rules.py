"""Rule evaluation on crafted cases: windows, overnight, holidays, validity, several groups, DST, anti-passback."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from portal.access.rules import (
    DoorFacts,
    Grant,
    Level,
    Window,
    access_decide,
    passback_check,
    visitor_decide,
)

BERLIN = ZoneInfo("Europe/Berlin")
LAB2 = DoorFacts(id=2, name="Lab 2", zone_id=10)
LOBBY = DoorFacts(id=1, name="Lobby", zone_id=20)
SAT, SUN, MON = 6, 7, 1


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def level(name="Lab hours", *, doors=(2,), zones=(), windows=(), **kw):
    return Level(name=name, door_ids=frozenset(doors), zone_ids=frozenset(zones), windows=tuple(windows), **kw)


def weekdays_9_to_17():
    return [Window(d, time(9), time(17)) for d in range(1, 6)]


def test_a_person_in_no_group_is_refused_with_no_access():
    verdict = access_decide(door=LAB2, grants=[], local=at(2026, 3, 2, 10))
    assert (verdict.granted, verdict.reason) == (False, "no_access")
    assert verdict.message == "No access to this door"


def test_a_window_grants_inside_and_refuses_outside_with_outside_your_hours():
    grants = [Grant("Researchers", level(windows=weekdays_9_to_17()))]
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 2, 9, 0)).granted  # Monday 09:00
    late = access_decide(door=LAB2, grants=grants, local=at(2026, 3, 2, 17, 0))
    assert (late.granted, late.reason, late.message) == (False, "outside_hours", "Outside your hours")
    saturday = access_decide(door=LAB2, grants=grants, local=at(2026, 3, 7, 22, 0))
    assert not saturday.granted
    assert "Saturday 2026-03-07 22:00" in saturday.why[0] and "Monday 09:00–17:00" in saturday.why[0]


def test_an_overnight_window_runs_into_the_next_morning_and_not_before_its_start():
    grants = [Grant("Night shift", level(windows=[Window(SAT, time(22), time(6))]))]
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 7, 22, 0)).granted  # Saturday 22:00
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 8, 5, 59)).granted  # Sunday 05:59
    assert not access_decide(door=LAB2, grants=grants, local=at(2026, 3, 8, 6, 0)).granted
    assert not access_decide(door=LAB2, grants=grants, local=at(2026, 3, 7, 5, 0)).granted  # Saturday early
    assert not access_decide(door=LAB2, grants=grants, local=at(2026, 3, 8, 22, 30)).granted  # Sunday night


def test_a_holiday_closes_a_level_unless_the_level_stays_open_on_holidays():
    easter_monday = date(2026, 4, 6)
    moment = at(2026, 4, 6, 10)
    closed = [Grant("Staff", level(windows=weekdays_9_to_17()))]
    verdict = access_decide(door=LAB2, grants=closed, local=moment, holidays={easter_monday})
    assert (verdict.granted, verdict.reason) == (False, "outside_hours")
    assert "holiday" in verdict.why[0]
    open_ = [Grant("Security", level(windows=weekdays_9_to_17(), closed_on_holidays=False))]
    assert access_decide(door=LAB2, grants=open_, local=moment, holidays={easter_monday}).granted


def test_an_overnight_window_belongs_to_the_holiday_it_started_on():
    grants = [Grant("Night shift", level(windows=[Window(SUN, time(22), time(6))]))]
    # Sunday 2026-04-05 is the holiday; Monday 02:00 is still inside Sunday's window
    verdict = access_decide(door=LAB2, grants=grants, local=at(2026, 4, 6, 2), holidays={date(2026, 4, 5)})
    assert not verdict.granted
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 4, 6, 2), holidays={date(2026, 4, 6)}).granted


def test_validity_dates_are_inclusive_and_outside_them_the_pass_is_expired():
    grants = [Grant("Contractors", level(any_time=True, valid_from=date(2026, 3, 1), valid_until=date(2026, 3, 31)))]
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 1, 0, 0)).granted
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 31, 23, 59)).granted
    after = access_decide(door=LAB2, grants=grants, local=at(2026, 4, 1, 0, 0))
    assert (after.granted, after.reason, after.message) == (False, "pass_expired", "Pass expired")
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 2, 28, 12)).reason == "pass_expired"


def test_one_group_granting_is_enough_when_a_person_is_in_several():
    grants = [
        Grant("Staff", level("Office hours", windows=weekdays_9_to_17())),
        Grant("Weekend lab", level("Weekend", windows=[Window(SAT, time(20), time(23))])),
    ]
    verdict = access_decide(door=LAB2, grants=grants, local=at(2026, 3, 7, 22))
    assert verdict.granted
    assert "Weekend lab" in verdict.why[0] and "Saturday 20:00–23:00" in verdict.why[0]


def test_among_several_refusals_outside_your_hours_is_told_before_an_expired_pass():
    grants = [
        Grant("Old project", level("Project", any_time=True, valid_until=date(2026, 1, 31))),
        Grant("Staff", level("Office hours", windows=weekdays_9_to_17())),
    ]
    verdict = access_decide(door=LAB2, grants=grants, local=at(2026, 3, 7, 22))
    assert verdict.reason == "outside_hours"
    assert len(verdict.why) == 2  # both levels explained


def test_a_level_on_a_zone_covers_every_door_of_the_zone_and_no_other():
    grants = [Grant("Lab staff", level(doors=(), zones=(10,), any_time=True))]
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 2, 3)).granted
    assert access_decide(door=LOBBY, grants=grants, local=at(2026, 3, 2, 3)).reason == "no_access"


def test_a_locked_down_door_refuses_even_someone_with_access_at_any_time():
    grants = [Grant("Security", level(any_time=True))]
    door = DoorFacts(id=2, name="Lab 2", zone_id=10, locked_down=True)
    assert access_decide(door=door, grants=grants, local=at(2026, 3, 2, 10)).reason == "locked_down"


def test_an_inactive_person_is_refused_whatever_their_groups():
    grants = [Grant("Security", level(any_time=True))]
    assert access_decide(door=LAB2, grants=grants, local=at(2026, 3, 2, 10), active=False).reason == "inactive"


def in_berlin(utc_instant):
    return utc_instant.astimezone(BERLIN)


def test_on_the_night_clocks_go_forward_a_window_ending_at_06_00_ends_at_06_00_summer_time():
    # Europe/Berlin moves 02:00 CET -> 03:00 CEST on 2026-03-29 (Sunday)
    grants = [Grant("Night shift", level(windows=[Window(SAT, time(22), time(6))]))]
    assert access_decide(door=LAB2, grants=grants, local=in_berlin(datetime(2026, 3, 29, 3, 59, tzinfo=UTC))).granted
    # 04:00 UTC is 06:00 CEST: the window is over, although only 7 hours have passed since 22:00
    assert not access_decide(door=LAB2, grants=grants, local=in_berlin(datetime(2026, 3, 29, 4, 0, tzinfo=UTC))).granted
    # the week before (CET), 04:59 UTC is 05:59 local: still inside
    assert access_decide(door=LAB2, grants=grants, local=in_berlin(datetime(2026, 3, 22, 4, 59, tzinfo=UTC))).granted


def test_on_the_night_clocks_go_back_both_passes_through_02_30_are_inside_the_window():
    # Europe/Berlin moves 03:00 CEST -> 02:00 CET on 2026-10-25 (Sunday): 02:30 happens twice
    grants = [Grant("Night shift", level(windows=[Window(SAT, time(22), time(3))]))]
    first = in_berlin(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST
    second = in_berlin(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 CET
    assert first.time() == second.time() == time(2, 30)
    assert access_decide(door=LAB2, grants=grants, local=first).granted
    assert access_decide(door=LAB2, grants=grants, local=second).granted
    assert not access_decide(
        door=LAB2, grants=grants, local=in_berlin(datetime(2026, 10, 25, 2, 0, tzinfo=UTC))
    ).granted


def test_a_visitor_pass_opens_its_chosen_doors_during_its_validity_only():
    start, end = datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 18, tzinfo=UTC)
    inside = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert visitor_decide(door=LOBBY, door_ids={1}, valid_from=start, valid_until=end, at=inside).granted
    assert visitor_decide(door=LAB2, door_ids={1}, valid_from=start, valid_until=end, at=inside).reason == "no_access"
    assert visitor_decide(door=LOBBY, door_ids={1}, valid_from=start, valid_until=end, at=end).reason == "pass_expired"


def test_hard_anti_passback_refuses_a_second_entry_and_soft_lets_it_through_marked():
    assert passback_check(mode="hard", side="entry", last_side="entry") == (False, True)
    assert passback_check(mode="soft", side="entry", last_side="entry") == (True, True)
    assert passback_check(mode="hard", side="entry", last_side="exit") == (True, False)
    assert passback_check(mode="hard", side="entry", last_side=None) == (True, False)
    assert passback_check(mode="hard", side="exit", last_side="exit") == (True, False)  # leaving is never refused
    assert passback_check(mode="off", side="entry", last_side="entry") == (True, False)
