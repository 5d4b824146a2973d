"""Where a phone clock-in is allowed from, on crafted cases (no database)."""

import math

import pytest

from portal.clockin import rules
from portal.clockin.rules import Area, Position, Range, location_check, network_check, place_check, verdict_text

HEAD = Area("Head office", 31.2304, 121.4737, 200)
DEPOT = Area("Depot", 31.3000, 121.5000, 500)


def north_of(area, metres, accuracy=10.0):
    """A point `metres` due north of the site's centre (along a meridian the distance is exact)."""
    return Position(area.latitude + math.degrees(metres / rules.EARTH_RADIUS_M), area.longitude, accuracy)


def test_distance_matches_a_known_one():
    # Shanghai People's Square to the Bund's Peace Hotel: about 1.5 km on any map
    assert 1_400 < rules.distance_m(31.2304, 121.4737, 31.2400, 121.4860) < 1_700
    assert rules.distance_m(10, 20, 10, 20) == 0


@pytest.mark.parametrize("metres, allowed", [(0, True), (199.0, True), (199.999, True), (200.4, False), (340, False)])
def test_the_edge_of_a_site_counts_as_inside(metres, allowed):
    verdict = location_check(north_of(HEAD, metres), [HEAD], max_accuracy_m=500)
    assert verdict.allowed is allowed
    if allowed:
        assert verdict.site == "Head office"


def test_a_refusal_says_how_far_and_the_radius_in_english_and_chinese():
    from django.utils import translation

    verdict = location_check(north_of(HEAD, 340), [HEAD], max_accuracy_m=500)
    assert verdict_text(verdict) == "You are 340 m from Head office; clock-in is allowed within 200 m"
    with translation.override("zh-hans"):
        text = verdict_text(verdict)
    assert "340" in text and "Head office" in text and "200" in text and "You are" not in text


def test_just_outside_is_never_rounded_down_to_the_radius():
    verdict = location_check(north_of(HEAD, 200.3), [HEAD], max_accuracy_m=500)
    assert verdict.params["distance"] == 201


def test_several_sites_inside_any_one_is_enough_and_the_refusal_names_the_nearest_edge():
    assert location_check(north_of(DEPOT, 450), [HEAD, DEPOT], max_accuracy_m=500).site == "Depot"
    far = location_check(north_of(DEPOT, 899.5), [HEAD, DEPOT], max_accuracy_m=500)
    assert not far.allowed and far.params["site"] == "Depot" and far.params["distance"] == 900


def test_no_location_an_imprecise_one_and_no_site_are_refused_with_the_reason():
    assert verdict_text(location_check(None, [HEAD], max_accuracy_m=500)) == (
        "Location is not available: allow it in the browser."
    )
    vague = location_check(north_of(HEAD, 0, accuracy=1200.4), [HEAD], max_accuracy_m=500)
    assert vague.code == "imprecise" and vague.params == {"accuracy": 1201, "limit": 500}
    assert location_check(north_of(HEAD, 0), [], max_accuracy_m=500).code == "no_sites"


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("203.0.113.7", True),
        ("203.0.113.255", True),
        ("203.0.114.1", False),
        ("10.20.30.40", True),
        ("::ffff:10.20.30.40", True),  # an IPv4 client of a dual-stack server
        ("2001:db8:1:2::5", True),
        ("2001:db9::1", False),
        ("not an address", False),
        ("", False),
    ],
)
def test_network_ranges(address, allowed):
    ranges = [Range("Office Wi-Fi", "203.0.113.0/24"), Range("VPN", "10.0.0.0/8"), Range("v6", "2001:db8::/32")]
    assert network_check(address, ranges).allowed is allowed


def test_policies():
    inside, outside = north_of(HEAD, 50), north_of(HEAD, 5000)
    ranges = [Range("Office Wi-Fi", "203.0.113.0/24")]

    def check(place, position, address):
        return place_check(place, position=position, address=address, areas=[HEAD], ranges=ranges, max_accuracy_m=500)

    assert check("off", inside, "203.0.113.7").code == "off"
    assert check("location", inside, "198.51.100.1").allowed
    assert check("location", outside, "203.0.113.7").code == "too_far"  # the network does not help
    assert check("network", outside, "203.0.113.7").network == "Office Wi-Fi"
    assert check("network", inside, "198.51.100.1").code == "not_on_network"  # nor the location
    assert check("either", outside, "203.0.113.7").allowed
    assert check("either", inside, "198.51.100.1").site == "Head office"
    refused = check("either", outside, "198.51.100.1")
    assert not refused.allowed and refused.code == "too_far"
    assert check("either", None, "198.51.100.1").code == "no_location"
