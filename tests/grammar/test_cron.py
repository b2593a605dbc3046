"""Jenkins' cron syntax: H hashing by job name (checked against a real JVM when one is installed),
aliases, ranges and steps, Jenkins' error messages, and next-fire times with a given clock."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from orchestrator.grammar.cron import CronError, Hash, JavaRandom, check, fire_times, parse, sanity_warning

UTC = timezone.utc
NAMES = ["app", "team/app", "team/api", "nightly", "deploy-prod", "é-ünïcode", "a", "b", "c", "x" * 200]

# Jenkins' Hash.from(seed) and BaseParser.doHash, written out in Java, run by a real JVM: the reference
JAVA = r"""
import java.nio.charset.StandardCharsets; import java.security.MessageDigest; import java.util.Random;
public class HashCheck {
  public static void main(String[] args) throws Exception {
    for (String seed : args) {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(seed.getBytes(StandardCharsets.UTF_8));
      byte[] d = md5.digest();
      for (int i = 8; i < d.length; i++) d[i % 8] ^= d[i];
      long l = 0; for (int i = 0; i < 8; i++) l = (l << 8) + (d[i] & 0xFF);
      Random rnd = new Random(l);
      // "H H(0-2) H/10 * H": minute next(60), hour 0+next(3), dom 1+next(10) step 10, dow next(7)
      System.out.println(rnd.nextInt(60) + " " + rnd.nextInt(3) + " " + (1 + rnd.nextInt(10)) + " " + rnd.nextInt(7));
    }
  }
}
"""


@pytest.mark.skipif(shutil.which("java") is None, reason="no JVM installed to compare with java.util.Random")
def test_h_is_jenkins_hash_bit_for_bit(tmp_path):
    source = tmp_path / "HashCheck.java"
    source.write_text(JAVA)
    done = subprocess.run(["java", str(source), *NAMES], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for name, line in zip(NAMES, done.stdout.splitlines(), strict=True):
        minute, hour, day, weekday = map(int, line.split())
        tab = parse("H H(0-2) H/10 * H", name).tabs[0]
        assert tab.minutes == {minute} and tab.hours == {hour}, name
        assert tab.days == set(range(day, 29, 10)) and tab.weekdays == {weekday}, name


def test_java_random_matches_the_jdk():
    assert JavaRandom(42)._next(32) == -1170105035       # new Random(42).nextInt()
    assert JavaRandom(0)._next(32) == -1155484576
    r = JavaRandom(42)
    assert [r.next_int(10) for _ in range(5)] == [0, 3, 8, 4, 0]
    assert JavaRandom(42).next_int(16) == 11              # power-of-two bound takes the high bits
    assert JavaRandom(7).next_int(1_000_000_007) == 569164229


def test_h_is_stable_per_job_and_spreads_jobs():
    assert parse("H H * * *", "team/app").tabs == parse("H H * * *", "team/app").tabs
    minutes = {next(iter(parse("H * * * *", f"job-{i}").tabs[0].minutes)) for i in range(60)}
    assert len(minutes) >= 30                       # 60 jobs spread over many minutes, not all at :00
    assert parse("H * * * *").tabs[0].minutes == {0}  # no job (Hash.zero()): the lowest value


def test_h_with_range_and_step():
    for name in NAMES:
        tab = parse("H(0-29)/10 H/6 * * *", name).tabs[0]
        first = min(tab.minutes)
        assert first < 10 and tab.minutes == {first, first + 10, first + 20}
        assert len(tab.hours) == 4 and max(tab.hours) - min(tab.hours) == 18
        quarter = parse("H/15 * * * *", name).tabs[0].minutes
        assert len(quarter) == 4 and min(quarter) < 15


def test_lines_share_one_hash_sequence_as_in_jenkins():
    two = parse("H * * * *\nH * * * *", "app").tabs
    h = Hash("app")
    assert two[0].minutes == {h.next(60)} and two[1].minutes == {h.next(60)}


@pytest.mark.parametrize("alias, equivalent", [
    ("@yearly", "H H H H *"), ("@annually", "H H H H *"), ("@monthly", "H H H * *"), ("@weekly", "H H * * H"),
    ("@daily", "H H * * *"), ("@midnight", "H H(0-2) * * *"), ("@hourly", "H * * * *"),
])
def test_aliases_hash_like_their_long_form(alias, equivalent):
    for name in NAMES:
        a, b = parse(alias, name).tabs[0], parse(equivalent, name).tabs[0]
        assert (a.minutes, a.hours, a.days, a.months, a.weekdays) == (b.minutes, b.hours, b.days, b.months,
                                                                       b.weekdays)
    assert max(parse("@midnight", "app").tabs[0].hours) <= 2


@pytest.mark.parametrize("spec, field, values", [
    ("1-10/3 * * * *", "minutes", {1, 4, 7, 10}),
    ("*/20 * * * *", "minutes", {0, 20, 40}),
    ("5,10-12,59 * * * *", "minutes", {5, 10, 11, 12, 59}),
    ("0 9-17/4 * * *", "hours", {9, 13, 17}),
    ("0 0 * * 7", "weekdays", {0}),                       # 7 is Sunday, like 0
    ("0 0 * * *", "weekdays", {0, 1, 2, 3, 4, 5, 6}),
    ("0 0 1,15 * *", "days", {1, 15}),
    ("0 0 1 */3 *", "months", {1, 4, 7, 10}),
])
def test_ranges_steps_and_lists(spec, field, values):
    assert getattr(parse(spec).tabs[0], field) == values


def test_comments_blank_lines_and_several_lines():
    tabs = parse("# nightly and at noon\n\n0 0 * * *\n  # indented comment\n0 12 * * *\n")
    assert [sorted(t.hours) for t in tabs.tabs] == [[0], [12]]
    assert tabs.matches(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) and not tabs.matches(datetime(2026, 3, 1, 6, 0))


@pytest.mark.parametrize("spec, message", [
    ("61 * * * *", 'Invalid input: "61 * * * *": line 1:0: 61 is an invalid value. Must be within 0 and 59'),
    ("* 24 * * *", 'line 1:2: 24 is an invalid value. Must be within 0 and 23'),
    ("* * 0 * *", "0 is an invalid value. Must be within 1 and 31"),
    ("* * * 13 *", "13 is an invalid value. Must be within 1 and 12"),
    ("* * * * 8", "8 is an invalid value. Must be within 0 and 7"),
    ("5-1 * * * *", 'Invalid input: "5-1 * * * *": line 1:0: You mean 1-5?'),
    ("*/0 * * * *", "step must be positive, but found 0"),
    ("H/61 * * * *", "61 is an invalid value. Must be within 1 and 60"),
    ("H(0-70) * * * *", "70 is an invalid value. Must be within 0 and 59"),
    ("* * * *", "line 1:7: mismatched input '<EOF>'"),
    ("* * * * * *", "line 1:9: extraneous input ' '"),
    ("every day", "line 1:0: mismatched input 'every'"),
    ("* * * * MON", "line 1:8: token recognition error at: 'M'"),   # no names in Jenkins' cron
    ("@dayly", "line 1:1: mismatched input 'dayly' expecting one of yearly, annually"),
    ("0 0 * * *\n0 0 * * ? ", 'Invalid input: "0 0 * * ?": line 2:8: token recognition error at: \'?\''),
    ("TZ=Mars/Olympus\n* * * * *", "Invalid or unsupported timezone 'Mars/Olympus'"),
])
def test_errors_in_jenkins_words_with_line_and_column(spec, message):
    with pytest.raises(CronError) as e:
        parse(spec, "app")
    assert message in str(e.value)
    assert check(spec) == str(e.value)


def test_valid_specs_check_clean():
    for spec in ("H/15 * * * *", "@daily", "TZ=Europe/Berlin\nH 2 * * 1-5", "H(0-29)/10 * * * *", ""):
        assert check(spec) is None, spec


def test_next_fire_with_a_given_clock():
    quarter = parse("H/15 * * * *", "app")
    start = datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)
    times = list(fire_times(quarter, start, 5))
    first = min(quarter.tabs[0].minutes)
    assert times[0] == datetime(2026, 3, 1, 10, first, tzinfo=UTC)
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [times[1] - times[0]] * 4
    assert (times[1] - times[0]).seconds == 15 * 60
    # a fire time is strictly after the clock: at 10:first the next one is 15 minutes on
    assert quarter.next_fire(times[0]) == times[1]


def test_next_fire_follows_jenkins_day_rules():
    friday13 = parse("0 0 13 * 5")   # Jenkins ANDs day of month and day of week
    assert friday13.next_fire(datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 2, 13, tzinfo=UTC)
    leap = parse("0 0 29 2 *")
    assert leap.next_fire(datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)
    assert parse("0 0 30 2 *").next_fire(datetime(2026, 1, 1, tzinfo=UTC)) is None   # never


def test_tz_line_fires_in_that_zone():
    berlin = parse("TZ=Europe/Berlin\n0 9 * * *")
    assert berlin.tz == "Europe/Berlin"
    fire = berlin.next_fire(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    assert fire == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)                 # 09:00 CEST
    assert fire.astimezone(ZoneInfo("Europe/Berlin")).hour == 9
    assert berlin.matches(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))          # 09:00 CET in winter


def test_sanity_warnings_in_jenkins_words():
    assert sanity_warning("* 0 * * *") == ('Do you really mean "every minute" when you say "* 0 * * *"? '
                                           'Perhaps you meant "H 0 * * *" to poll once per hour')
    assert sanity_warning("*/15 * * * *") == "Spread load evenly by using ‘H/15 * * * *’ rather than ‘*/15 * * * *’"
    assert sanity_warning("H/15 * * * *") is None
