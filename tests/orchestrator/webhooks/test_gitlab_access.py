"""Who may start a job through GitLab's `POST /project/<job>` (pure decision)."""
from __future__ import annotations

import pytest

from orchestrator.webhooks.gitlab_access import SECURED_REFUSAL, refusal


def decide(*, secured=False, env_token="", given=None, has_trigger=True, job_token=""):
    answer = refusal(secured=secured, env_token=env_token, given=given, name="app", has_trigger=has_trigger,
                     job_token=job_token)
    return answer and (answer.status, answer.message)


def test_unsecured_without_any_token_builds_jobs_with_a_gitlab_trigger_only():
    assert decide() is None
    assert decide(has_trigger=False)[0] == 404


def test_secured_needs_a_configured_token_and_answers_every_refusal_alike():
    same = (401, SECURED_REFUSAL)
    assert decide(secured=True) == same                                    # no token configured
    assert decide(secured=True, has_trigger=False) == same                 # unknown or triggerless
    assert decide(secured=True, job_token="t", given="x") == same
    assert decide(secured=True, job_token="t", given="t") is None
    assert decide(secured=True, env_token="e", given="e") is None
    assert decide(secured=True, env_token="e", given="e", has_trigger=False)[0] == 404   # the server token vouches


@pytest.mark.parametrize("given", [None, "", "wrong"])
def test_a_configured_token_is_checked_before_the_job_is_told_apart(given):
    assert decide(env_token="e", given=given, has_trigger=False) == (401, "Invalid token")
    assert decide(env_token="e", given=given) == (401, "Invalid token")
    assert decide(job_token="t", env_token="e", given="e") == (401, "Invalid token")   # the job's own token wins
