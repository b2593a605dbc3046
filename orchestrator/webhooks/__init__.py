"""Webhooks from Git hosting: payloads into events, events into the jobs they start.

Pure code (no Flask, no store): `events` is what a push or change request means whatever the host,
`github`/`gitlab` read their payloads into events, `matching` picks the jobs whose Git remote and
branch spec match, `generic` is the Generic Webhook Trigger, `declared` reads the `triggers {}` a
Jenkinsfile declares, `signatures` checks secrets. `orchestrator.web.webhooks` is the HTTP side.
"""
