"""Builds that start themselves: cron (`Started by timer`), pollSCM (`Started by an SCM change`) and
upstream (`Started by upstream project "a" build number N`).

`definitions` (pure) says which triggers a job has, `plan` (pure) which jobs are due, `causes` the
cause JSON Jenkins shows, `git` the one adapter that asks a remote for its head, and `service` the
effects the scheduler process runs every iteration.
"""
