"""The causes Jenkins records for triggered builds, shaped as its `actions[].causes` JSON."""
from __future__ import annotations


def timer_cause() -> dict:
    return {"_class": "hudson.triggers.TimerTrigger$TimerTriggerCause", "shortDescription": "Started by timer"}


def scm_cause() -> dict:
    return {"_class": "hudson.triggers.SCMTrigger$SCMTriggerCause", "shortDescription": "Started by an SCM change"}


def upstream_cause(project: str, number: int) -> dict:
    """hudson.model.Cause.UpstreamCause: the upstream's full name, build number and job URL (relative)."""
    return {"_class": "hudson.model.Cause$UpstreamCause",
            "shortDescription": f'Started by upstream project "{project}" build number {number}',
            "upstreamBuild": number, "upstreamProject": project,
            "upstreamUrl": "".join(f"job/{part}/" for part in project.split("/"))}
