"""Store rows -> Jenkins' JSON shapes (`_class` everywhere, absolute urls, job colors).

Each function takes an `Exporter` (the store and the base URL the client used) and returns a dict
whose costly parts are `Lazy`, so `tree=` and `depth=` only pay for what they show.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import quote

from orchestrator.console import MASK
from orchestrator.jobs import password_names
from orchestrator.store import PERMALINKS, Store, now_ms
from orchestrator.web.tree import HIDDEN, SUMMARY, Deferred, Lazy

JOB = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
RUN = "org.jenkinsci.plugins.workflow.job.WorkflowRun"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
QUEUE_ITEM = "hudson.model.Queue$"
VERSION = "2.479.3"
_COLORS = {"SUCCESS": "blue", "UNSTABLE": "yellow", "FAILURE": "red", "NOT_BUILT": "nobuilt", "ABORTED": "aborted"}
_WFAPI_STATUS = {"SUCCESS": "SUCCESS", "UNSTABLE": "UNSTABLE", "FAILURE": "FAILED", "FAILED": "FAILED",
                 "NOT_BUILT": "NOT_EXECUTED", "ABORTED": "ABORTED", "IN_PROGRESS": "IN_PROGRESS",
                 "NOT_EXECUTED": "NOT_EXECUTED"}


@dataclass
class Exporter:
    store: Store
    base: str            # "http://host:port/" as the client sees us
    executors: int = 2
    #: whether the client may see a job (Job/Read): lists leave out the others, as Jenkins does
    readable: Callable[[str], bool] = lambda name: True

    def children(self, folder: str) -> list[dict]:
        return [j for j in self.store.children(folder) if self.readable(j["name"])]

    def job_url(self, name: str) -> str:
        return self.base + "job/" + "/job/".join(quote(part, safe="") for part in name.split("/")) + "/"

    def build_url(self, job: str, number: int) -> str:
        return f"{self.job_url(job)}{number}/"

    # ------------------------------------------------------------ items
    def item(self, job: dict) -> dict:
        return self.folder(job) if job["kind"] == "folder" else self.job(job)

    def folder(self, job: dict) -> dict:
        name = job["name"]
        return {"_class": FOLDER, SUMMARY: ("name", "url"), "actions": [{}], "description": job["description"],
                "displayName": name.split("/")[-1], "displayNameOrNull": None, "fullDisplayName": name.replace(
                    "/", " » "), "fullName": name, "name": name.split("/")[-1], "url": self.job_url(name),
                "healthReport": [], "jobs": Lazy(lambda: [self.item(j) for j in self.children(name)]),
                "primaryView": {"_class": "hudson.model.AllView", "name": "All", "url": self.job_url(name)},
                "views": [{"_class": "hudson.model.AllView", "name": "All", "url": self.job_url(name)}]}

    def job(self, job: dict) -> dict:
        name, store = job["name"], self.store
        queued = Lazy(lambda: store.waiting_items(name))
        params_prop = {"_class": "hudson.model.ParametersDefinitionProperty",
                       "parameterDefinitions": [param_definition(p) for p in job["params"]]}
        props = [params_prop] if job["params"] else []
        last = Lazy(lambda: store.builds(name, limit=1))
        permalinks = Lazy(lambda: store.permalinks(name))

        def link(which: str):
            return Lazy(lambda: self._build_ref(name, permalinks()[which]))

        out = {"_class": JOB, SUMMARY: ("name", "url", "color"), HIDDEN: ("allBuilds",),
               "actions": props + [{}], "description": job["description"], "displayName": name.split("/")[-1],
               "displayNameOrNull": None, "fullDisplayName": name.replace("/", " » "), "fullName": name,
               "name": name.split("/")[-1], "url": self.job_url(name), "buildable": not job["disabled"],
               "builds": Lazy(lambda: [self.deferred_build(b) for b in store.builds(name, limit=100)]),
               "allBuilds": Lazy(lambda: [self.deferred_build(b) for b in store.builds(name, limit=None)]),
               "color": Lazy(lambda: self.color(job, last())),
               "healthReport": [], "inQueue": Lazy(lambda: bool(queued())), "keepDependencies": False,
               "nextBuildNumber": job["next_build_number"], "property": props,
               "queueItem": Lazy(lambda: self.queue_item(queued()[0]) if queued() else None),
               "concurrentBuild": not job["props"].get("disable_concurrent", False), "resumeBlocked": False}
        for which in PERMALINKS:
            out[which] = link(which)
        return out

    def color(self, job: dict, last: list[dict]) -> str:
        if job["disabled"]:
            return "disabled"
        if not last:
            return "nobuilt"
        building = last[0]["state"] == "running"
        result = last[0]["result"]
        if building:
            done = self.store.permalink(job["name"], "lastCompletedBuild")
            result = self.store.build(job["name"], done)["result"] if done else None
        color = _COLORS.get(result or "", "nobuilt")
        return color + "_anime" if building else color

    def _build_ref(self, job: str, number: Optional[int]) -> Optional[dict]:
        return self.build(self.store.build(job, number)) if number is not None else None

    # ------------------------------------------------------------ builds
    def deferred_build(self, b: dict) -> Deferred:
        url = self.build_url(b["job"], b["number"])
        return Deferred({"_class": RUN, SUMMARY: ("number", "url"), "number": b["number"], "url": url},
                        Lazy(lambda: self.build(b)))

    def build(self, b: dict) -> dict:
        store = self.store
        running = b["state"] == "running"
        job, number = b["job"], b["number"]
        actions: list[dict] = [{"_class": "hudson.model.CauseAction", "causes": b["causes"]}]
        if b["params"]:
            hidden = password_names(store.find_job(job))
            actions.append({"_class": "hudson.model.ParametersAction",
                            "parameters": [param_value(k, v, k in hidden) for k, v in b["params"].items()]})
        actions.append({"_class": "org.jenkinsci.plugins.workflow.cps.EnvActionImpl"})

        def neighbour(op: str, order: str) -> Optional[dict]:
            rows = store.db.execute_returning_dicts(
                f"select number from builds where job = ? and number {op} ? order by number {order} limit 1",
                [job, number])
            return {"_class": RUN, "number": rows[0]["number"], "url": self.build_url(job, rows[0]["number"])} \
                if rows else None

        return {"_class": RUN, SUMMARY: ("number", "url"), "actions": actions,
                "artifacts": Lazy(lambda: [artifact(a) for a in store.artifacts(b["id"])]),
                "building": running, "description": b["description"], "displayName": f"#{number}",
                "duration": 0 if running else b["duration"], "estimatedDuration": -1,
                "executor": {"_class": "hudson.model.OneOffExecutor"} if running else None,
                "fullDisplayName": f"{job.replace('/', ' » ')} #{number}", "id": str(number),
                "inProgress": running, "keepLog": False, "number": number, "queueId": b["queue_id"],
                "result": None if running else b["result"], "timestamp": b["timestamp"],
                "url": self.build_url(job, number), "changeSets": [], "culprits": [],
                "nextBuild": Lazy(lambda: neighbour(">", "asc")),
                "previousBuild": Lazy(lambda: neighbour("<", "desc"))}

    # ------------------------------------------------------------ queue
    def queue_item(self, item: dict) -> dict:
        job = self.store.find_job(item["job"])
        now = now_ms()
        kind, why = "WaitingItem", item["why"]
        extra: dict[str, Any] = {}
        if item["state"] != "waiting":
            kind, why = "LeftItem", None
            executable = None
            if item["state"] == "left" and item["build_number"] is not None:
                executable = {"_class": RUN, "number": item["build_number"],
                              "url": self.build_url(item["job"], item["build_number"])}
            extra = {"cancelled": item["state"] == "cancelled", "executable": executable}
        elif item["not_before"] > now:
            why = f"In the quiet period. Expires in {(item['not_before'] - now) / 1000:.1f} sec"
            extra = {"timestamp": item["not_before"]}
        elif why and "in progress" in why:
            kind = "BlockedItem"
        else:
            kind, why = "BuildableItem", why or "Waiting for next available executor"
            extra = {"buildableStartMilliseconds": item["not_before"], "pending": False}
        actions = [{"_class": "hudson.model.CauseAction", "causes": item["causes"]}]
        hidden = password_names(job)
        if item["params"]:
            actions.append({"_class": "hudson.model.ParametersAction",
                            "parameters": [param_value(k, v, k in hidden) for k, v in item["params"].items()]})
        task = {"_class": JOB, "name": item["job"].split("/")[-1], "url": self.job_url(item["job"]),
                "color": "nobuilt"} if job else None
        return {"_class": QUEUE_ITEM + kind, "actions": actions, "blocked": kind == "BlockedItem",
                "buildable": kind == "BuildableItem", "id": item["id"], "inQueueSince": item["in_queue_since"],
                "params": "".join(f"\n{k}={MASK if k in hidden else v}" for k, v in item["params"].items()), "stuck": False,
                "task": task, "url": f"queue/item/{item['id']}/", "why": why, **extra}

    def queue(self) -> dict:
        return {"_class": "hudson.model.Queue", "discoverableItems": [],
                "items": Lazy(lambda: [self.queue_item(i) for i in self.store.waiting_items()
                                       if self.readable(i["job"])])}

    # ------------------------------------------------------------ root, computers
    def root(self) -> dict:
        all_view = {"_class": "hudson.model.AllView", "name": "all", "url": self.base}
        return {"_class": "hudson.model.Hudson", "assignedLabels": [{"name": "built-in"}], "mode": "NORMAL",
                "nodeDescription": "the Jenkins controller's built-in node", "nodeName": "",
                "numExecutors": self.executors, "description": None,
                "jobs": Lazy(lambda: [self.item(j) for j in self.children("")]),
                "overallLoad": {}, "primaryView": all_view, "quietDownReason": None, "quietingDown": False,
                "slaveAgentPort": -1, "unlabeledLoad": {"_class": "jenkins.model.UnlabeledLoadStatistics"},
                "url": self.base, "useCrumbs": True, "useSecurity": False, "views": [all_view]}

    def computer(self) -> dict:
        return self.computers()["computer"][0]

    def computers(self) -> dict:
        running = self.store.running_builds()
        # a build of a job the client may not read keeps its executor busy but is not named (as Jenkins'
        # Executor.getCurrentExecutableForApi)
        current = [{"_class": RUN, "number": b["number"], "url": self.build_url(b["job"], b["number"]),
                    "queueId": b["queue_id"]} if self.readable(b["job"]) else None for b in running]
        # a running Pipeline holds the built-in node's executor its `agent` block allocated
        slots = max(self.executors, len(current))
        executors = [{"_class": "hudson.model.Executor",
                      "currentExecutable": current[i] if i < len(current) else None, "idle": i >= len(current),
                      "likelyStuck": False, "number": i, "progress": -1} for i in range(slots)]
        one_off = [{"_class": "hudson.model.OneOffExecutor", "currentExecutable": c, "idle": False,
                    "likelyStuck": False, "number": -1, "progress": -1} for c in current]
        node = {"_class": "hudson.model.Hudson$MasterComputer", "displayName": "Built-In Node",
                "description": "the Jenkins controller's built-in node", "assignedLabels": [{"name": "built-in"}],
                "idle": not running, "offline": False, "offlineCause": None, "temporarilyOffline": False,
                "icon": "symbol-computer", "numExecutors": self.executors, "executors": executors,
                "oneOffExecutors": one_off}
        return {"_class": "hudson.model.ComputerSet", "busyExecutors": min(len(running), self.executors),
                "computer": [node], "displayName": "Nodes", "totalExecutors": self.executors}

    # ------------------------------------------------------------ stage view (wfapi)
    def wfapi_artifacts(self, b: dict, artifacts: list[dict]) -> list[dict]:
        path = self.job_url(b["job"])[len(self.base) - 1:] + f"{b['number']}/artifact/"
        return [{"id": f"n{i}", "name": a["relative_path"].rsplit("/", 1)[-1], "path": a["relative_path"],
                 "url": path + quote(a["relative_path"]), "size": a["size"]}
                for i, a in enumerate(artifacts, 1)]

    def wfapi_run(self, b: dict) -> dict:
        job, number = b["job"], b["number"]
        path = self.job_url(job)[len(self.base) - 1:] + f"{number}/"
        running = b["state"] == "running"
        end = now_ms() if running else b["timestamp"] + b["duration"]
        status = "IN_PROGRESS" if running else _WFAPI_STATUS.get(b["result"] or "", "NOT_EXECUTED")
        stages = []
        for row in self.store.stages(b["id"]):
            if row["parent"] is not None:
                continue   # top-level stages only, as the stage view shows them
            stages.append({"_links": {"self": {"href": f"{path}execution/node/{row['seq'] + 1}/wfapi/describe"}},
                           "id": str(row["seq"] + 1), "name": row["name"], "execNode": "",
                           "status": _stage_status(row["status"]), "startTimeMillis": row["start_ms"],
                           "durationMillis": row["duration_ms"], "pauseDurationMillis": 0})
        return {"_links": {"self": {"href": f"{path}wfapi/describe"},
                           "artifacts": {"href": f"{path}wfapi/artifacts"}},
                "id": str(number), "name": f"#{number}", "status": status, "startTimeMillis": b["timestamp"],
                "endTimeMillis": end, "durationMillis": end - b["timestamp"],
                "queueDurationMillis": b["queued_ms"] or 0, "pauseDurationMillis": 0, "stages": stages}


def _stage_status(status: str) -> str:
    if status.startswith("SKIPPED"):
        return "SKIPPED"
    return _WFAPI_STATUS.get(status, "NOT_EXECUTED")


def param_definition(p: dict) -> dict:
    if p["type"] == "PasswordParameterDefinition":
        default = param_value(p["name"], None, password=True)
    else:
        value_class = "hudson.model.BooleanParameterValue" if p["type"] == "BooleanParameterDefinition" \
            else "hudson.model.StringParameterValue"
        default = {"_class": value_class, "name": p["name"], "value": p.get("default")}
    out = {"_class": "hudson.model." + p["type"], "defaultParameterValue": default,
           "description": p.get("description", ""), "name": p["name"], "type": p["type"]}
    if p["type"] == "ChoiceParameterDefinition":
        out["choices"] = list(p.get("choices") or [])
    return out


def param_value(name: str, value: Any, password: bool = False) -> dict:
    if password:   # Jenkins' PasswordParameterValue exports no value at all
        return {"_class": "hudson.model.PasswordParameterValue", "name": name}
    cls = "hudson.model.BooleanParameterValue" if isinstance(value, bool) else "hudson.model.StringParameterValue"
    return {"_class": cls, "name": name, "value": value}


def artifact(a: dict) -> dict:
    file_name = a["relative_path"].rsplit("/", 1)[-1]
    return {"displayPath": file_name, "fileName": file_name, "relativePath": a["relative_path"]}


def user_cause(user: Optional[str]) -> dict:
    who = user or "anonymous"
    return {"_class": "hudson.model.Cause$UserIdCause", "shortDescription": f"Started by user {who}",
            "userId": user, "userName": who}


def remote_cause(addr: str, note: Optional[str]) -> dict:
    text = f"Started by remote host {addr}" + (f" with note: {note}" if note else "")
    return {"_class": "hudson.model.Cause$RemoteCause", "addr": addr, "note": note, "shortDescription": text}
