"""A fake Kubernetes API server for tests: the real REST, watch and exec-websocket protocols, spoken to
the official `kubernetes` client over 127.0.0.1 (protocol notes: ../shared/reference/kubernetes-pods.md §13).

Pods live in memory. A fake kubelet moves each new pod Pending -> Running and runs exec commands as local
subprocesses in a folder per pod, which stands in for the pod's shared `workspace-volume`: the container path
/home/jenkins/agent in an exec's arguments is that folder. Failures are injected the way a cluster shows them:

- an image whose name contains `imagepullbackoff`: the container waits with ImagePullBackOff (pod Pending);
- an image whose name contains `oomkilled`: the container runs, then is terminated OOMKilled (exit 137) after
  `oom_after` seconds, killing what runs in it;
- a nodeSelector key `fake/unschedulable`: PodScheduled False / Unschedulable, no container statuses;
- namespace `quota-full`: create answers 403 "exceeded quota";
- `spec.activeDeadlineSeconds`: the pod fails with DeadlineExceeded after that many seconds;
- `kill_pod(name)`: the pod disappears (a node lost), with a DELETED event.

Every request is recorded in `requests` so tests can tell a watch from a polling loop.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from aiohttp import WSMsgType, web

WORKSPACE = "/home/jenkins/agent"
TRUE = {"1", "t", "T", "true", "TRUE", "True"}   # Go's strconv.ParseBool


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def status_body(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def status_response(code: int, reason: str, message: str) -> web.Response:
    return web.json_response(status_body(code, reason, message), status=code)


def matches(pod: dict, label_selector: str, field_selector: str) -> bool:
    labels = pod["metadata"].get("labels") or {}
    for term in filter(None, (label_selector or "").split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value.lstrip("="):
            return False
    for term in filter(None, (field_selector or "").split(",")):
        key, _, value = term.partition("=")
        if key == "metadata.name" and pod["metadata"]["name"] != value:
            return False
    return True


@dataclass
class Watcher:
    namespace: str
    label_selector: str
    field_selector: str
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


def _kill_group(proc) -> None:
    """A container's death kills everything the exec started (its own process group here)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class FakeKube:
    def __init__(self, oom_after: float = 0.6, start_delay: float = 0.05) -> None:
        self.oom_after = oom_after
        self.start_delay = start_delay
        self.pods: dict[tuple[str, str], dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.authorizations: list[str] = []      # the Authorization header of each request, in order
        self.exec_commands: list[list[str]] = []
        self.deleted: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="fakekube-"))
        self._rv = itertools.count(1)
        self._watchers: list[Watcher] = []
        self._procs: dict[tuple[str, str], set] = {}
        self._loop = asyncio.new_event_loop()
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle (test thread)
    def start(self) -> "FakeKube":
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_route("*", "/api/v1/namespaces/{ns}/pods", self.pods_collection)
            app.router.add_route("*", "/api/v1/namespaces/{ns}/pods/{name}", self.pod_item)
            app.router.add_route("*", "/api/v1/namespaces/{ns}/pods/{name}/exec", self.pod_exec)
            app.router.add_route("GET", "/api/v1/namespaces/{ns}/pods/{name}/log", self.pod_log)
            self._runner = web.AppRunner(app, handle_signals=False)
            self._loop.run_until_complete(self._runner.setup())
            site = web.SockSite(self._runner, sock)
            self._loop.run_until_complete(site.start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True, name="fakekube")
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            for watcher in self._watchers:
                watcher.queue.put_nowait(None)
            for procs in self._procs.values():
                for proc in procs:
                    if proc.returncode is None:
                        proc.kill()
            await self._runner.cleanup()
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:   # kubelets still sleeping (deadlines, OOM timers)
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, fn, *args):
        """Run `fn(*args)` on the server's loop from a test thread."""
        async def run():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def kill_pod(self, name: str, namespace: str = "default") -> None:
        self.call(self._remove, namespace, name)

    def count(self, kind: str) -> int:
        """Requests of one kind: create, get, list, watch, delete, exec."""
        return sum(1 for k, _p, _q in self.requests if k == kind)

    def workspace(self, name: str, namespace: str = "default") -> Path:
        return self.root / namespace / name

    # ------------------------------------------------------------ store and events (server loop)
    def _emit(self, kind: str, pod: dict) -> None:
        pod["metadata"]["resourceVersion"] = str(next(self._rv))
        for watcher in self._watchers:
            if watcher.namespace == pod["metadata"]["namespace"] and \
                    matches(pod, watcher.label_selector, watcher.field_selector):
                watcher.queue.put_nowait({"type": kind, "object": json.loads(json.dumps(pod))})

    def _remove(self, namespace: str, name: str) -> Optional[dict]:
        pod = self.pods.pop((namespace, name), None)
        if pod is None:
            return None
        self.deleted.append(name)
        for proc in self._procs.pop((namespace, name), set()):
            if proc.returncode is None:
                _kill_group(proc)
        self._emit("DELETED", pod)
        return pod

    def _container_status(self, container: dict, state: dict, ready: bool) -> dict:
        return {"name": container["name"], "image": container.get("image", ""),
                "imageID": f"fake://{container.get('image', '')}", "containerID": f"fake://{uuid.uuid4().hex[:12]}",
                "ready": ready, "restartCount": 0, "started": ready, "state": state}

    async def _kubelet(self, namespace: str, name: str) -> None:
        await asyncio.sleep(self.start_delay)
        pod = self.pods.get((namespace, name))
        if pod is None:
            return
        spec, status = pod["spec"], pod["status"]
        if "fake/unschedulable" in (spec.get("nodeSelector") or {}):
            status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                     "lastTransitionTime": now(),
                                     "message": "0/1 nodes are available: 1 node(s) didn't match Pod's node "
                                                "affinity/selector."}]
            self._emit("MODIFIED", pod)
            return
        status.update(startTime=now(), hostIP="10.0.0.1", podIP="10.1.0.2",
                      conditions=[{"type": "PodScheduled", "status": "True", "lastTransitionTime": now()}])
        statuses = []
        for c in spec["containers"]:
            if "imagepullbackoff" in c.get("image", ""):
                statuses.append(self._container_status(c, {"waiting": {
                    "reason": "ImagePullBackOff", "message": f'Back-off pulling image "{c["image"]}"'}}, False))
            else:
                statuses.append(self._container_status(c, {"running": {"startedAt": now()}}, True))
        status["containerStatuses"] = statuses
        if all(s["ready"] for s in statuses):
            status["phase"] = "Running"
            status["conditions"].append({"type": "Ready", "status": "True", "lastTransitionTime": now()})
        self.workspace(name, namespace).mkdir(parents=True, exist_ok=True)
        self._emit("MODIFIED", pod)
        if status.get("phase") != "Running":
            return
        oom = [c["name"] for c in spec["containers"] if "oomkilled" in c.get("image", "")]
        deadline = spec.get("activeDeadlineSeconds")
        if oom:
            await asyncio.sleep(self.oom_after)
            self._terminate(namespace, name, oom, {"exitCode": 137, "reason": "OOMKilled"})
        elif deadline:
            await asyncio.sleep(int(deadline))
            pod = self.pods.get((namespace, name))
            if pod is not None:
                pod["status"].update(phase="Failed", reason="DeadlineExceeded",
                                     message="Pod was active on the node longer than the specified deadline")
                self._terminate(namespace, name, [c["name"] for c in spec["containers"]],
                                {"exitCode": 137, "reason": "Error"})

    def _terminate(self, namespace: str, name: str, containers: list[str], how: dict) -> None:
        pod = self.pods.get((namespace, name))
        if pod is None:
            return
        for s in pod["status"]["containerStatuses"]:
            if s["name"] in containers:
                s.update(ready=False, started=False,
                         state={"terminated": dict(how, startedAt=now(), finishedAt=now())})
        for proc in self._procs.get((namespace, name), set()):
            if proc.returncode is None and getattr(proc, "container", None) in containers:
                _kill_group(proc)
        if all("terminated" in s["state"] for s in pod["status"]["containerStatuses"]):
            pod["status"]["phase"] = "Failed"
        self._emit("MODIFIED", pod)

    # ------------------------------------------------------------ REST
    def _record(self, kind: str, request: web.Request) -> None:
        self.requests.append((kind, request.path, dict(request.query)))
        self.authorizations.append(request.headers.get("Authorization", ""))

    async def pods_collection(self, request: web.Request) -> web.StreamResponse:
        ns = request.match_info["ns"]
        if request.method == "POST":
            self._record("create", request)
            return await self._create(ns, request)
        if request.method != "GET":
            return status_response(405, "MethodNotAllowed", "the server does not allow this method")
        if request.query.get("watch", "") in TRUE:
            self._record("watch", request)
            return await self._watch(ns, request)
        self._record("list", request)
        items = [p for (n, _), p in self.pods.items() if n == ns and
                 matches(p, request.query.get("labelSelector", ""), request.query.get("fieldSelector", ""))]
        return web.json_response({"kind": "PodList", "apiVersion": "v1",
                                  "metadata": {"resourceVersion": str(next(self._rv))}, "items": items})

    async def _create(self, ns: str, request: web.Request) -> web.Response:
        try:
            pod = await request.json()
        except ValueError:
            return status_response(400, "BadRequest", "the body of the request was in an unknown format")
        name = (pod.get("metadata") or {}).get("name", "")
        if not name:
            return status_response(422, "Invalid", 'Pod "" is invalid: metadata.name: Required value')
        if ns == "quota-full":
            return status_response(403, "Forbidden", f'pods "{name}" is forbidden: exceeded quota: pod-quota, '
                                                     "requested: pods=1, used: pods=3, limited: pods=3")
        for i, c in enumerate(pod.get("spec", {}).get("containers", [])):
            if not c.get("image"):
                return status_response(422, "Invalid",
                                       f'Pod "{name}" is invalid: spec.containers[{i}].image: Required value')
        if (ns, name) in self.pods:
            return status_response(409, "AlreadyExists", f'pods "{name}" already exists')
        pod.update(apiVersion="v1", kind="Pod")
        pod["metadata"].update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=now())
        pod["status"] = {"phase": "Pending", "qosClass": "Burstable"}
        self.pods[(ns, name)] = pod
        self._emit("ADDED", pod)
        asyncio.get_running_loop().create_task(self._kubelet(ns, name))
        return web.json_response(pod, status=201)

    async def pod_item(self, request: web.Request) -> web.Response:
        ns, name = request.match_info["ns"], request.match_info["name"]
        if request.method == "GET":
            self._record("get", request)
            pod = self.pods.get((ns, name))
        elif request.method == "DELETE":
            self._record("delete", request)
            pod = self._remove(ns, name)
        else:
            return status_response(405, "MethodNotAllowed", "the server does not allow this method")
        if pod is None:
            return status_response(404, "NotFound", f'pods "{name}" not found')
        return web.json_response(pod)

    async def pod_log(self, request: web.Request) -> web.Response:
        self._record("log", request)
        return web.Response(text="")

    async def _watch(self, ns: str, request: web.Request) -> web.StreamResponse:
        watcher = Watcher(ns, request.query.get("labelSelector", ""), request.query.get("fieldSelector", ""))
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        if not request.query.get("resourceVersion"):
            for (n, _), pod in list(self.pods.items()):
                if n == ns and matches(pod, watcher.label_selector, watcher.field_selector):
                    await response.write(json.dumps({"type": "ADDED", "object": pod}).encode() + b"\n")
        self._watchers.append(watcher)
        timeout = float(request.query.get("timeoutSeconds", "1800"))
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    event = await asyncio.wait_for(watcher.queue.get(), left)
                except asyncio.TimeoutError:
                    break
                if event is None:
                    break
                await response.write(json.dumps(event).encode() + b"\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._watchers.remove(watcher)
        try:
            await response.write_eof()
        except ConnectionResetError:
            pass
        return response

    # ------------------------------------------------------------ exec websocket
    async def pod_exec(self, request: web.Request) -> web.StreamResponse:
        self._record("exec", request)
        ns, name = request.match_info["ns"], request.match_info["name"]
        pod = self.pods.get((ns, name))
        if pod is None:
            return status_response(404, "NotFound", f'pods "{name}" not found')
        containers = {c["name"]: c for c in pod["spec"]["containers"]}
        container = request.query.get("container") or next(iter(containers))
        if container not in containers:
            return status_response(400, "BadRequest", f"container {container} is not valid for pod {name}")
        state = next((s["state"] for s in pod["status"].get("containerStatuses", []) if s["name"] == container), {})
        if "running" not in state:
            return status_response(400, "BadRequest", f'container "{container}" in pod "{name}" is not running')
        folder = str(self.workspace(name, ns))
        command = [arg.replace(WORKSPACE, folder) for arg in request.query.getall("command", [])]
        self.exec_commands.append(command)
        ws = web.WebSocketResponse(protocols=("v5.channel.k8s.io", "v4.channel.k8s.io"))
        await ws.prepare(request)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": folder}
        env.update({e["name"]: e.get("value", "") for e in containers[container].get("env", []) if "name" in e})
        stdin = request.query.get("stdin", "") in TRUE
        try:
            proc = await asyncio.create_subprocess_exec(
                *command, cwd=folder, env=env, start_new_session=True,
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        except OSError as e:
            await ws.send_bytes(b"\x03" + json.dumps(status_body(500, "InternalError", str(e))).encode())
            await ws.close()
            return ws
        proc.container = container
        self._procs.setdefault((ns, name), set()).add(proc)

        async def pump(stream, channel: int) -> None:
            while chunk := await stream.read(65536):
                await ws.send_bytes(bytes([channel]) + chunk)

        async def feed() -> None:
            async for msg in ws:
                data = msg.data.encode() if msg.type == WSMsgType.TEXT else msg.data
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY) or not data:
                    continue
                if data[0] == 0 and proc.stdin is not None and not proc.stdin.is_closing():
                    proc.stdin.write(data[1:])
                    await proc.stdin.drain()
                elif data[0] == 255 and data[1:2] == b"\x00" and proc.stdin is not None:
                    proc.stdin.close()
            if proc.returncode is None:   # the client hung up: what the API server does is end the exec
                _kill_group(proc)

        feeder = asyncio.get_running_loop().create_task(feed())
        await asyncio.gather(pump(proc.stdout, 1), pump(proc.stderr, 2))
        code = await proc.wait()
        self._procs.get((ns, name), set()).discard(proc)
        code = 128 - code if code < 0 else code
        if code == 0:
            status = {"metadata": {}, "status": "Success"}
        else:
            status = {"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                      "message": f"command terminated with non-zero exit code: exit status {code}",
                      "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
        if not ws.closed:
            await ws.send_bytes(b"\x03" + json.dumps(status).encode())
            await ws.close()
        feeder.cancel()
        return ws
