"""Pods on a Kubernetes cluster through the official client: create, watch until ready, exec over the
API's websocket, watch for loss while steps run, delete.

The pod's workspace is its own emptyDir (as in the kubernetes plugin); the controller keeps a copy of
the workspace in the job's workspace folder so its file steps (writeFile, stash, archiveArtifacts...)
work unchanged: files the controller changed are copied into the pod before each step (a tar stream on
an exec's stdin), and files the step changed are copied back after it (a tar stream on an exec's
stdout), files it deleted deleted in the copy.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import tarfile
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from orchestrator.errors import StepFailed

from .podsteps import CONTAINER_WORKSPACE, PodSteps
from .podstatus import Loss, create_failure, loss_of, pod_info_lines, startup_verdict
from .processes import ProcessResult, _emit_lines

COOKIE_VAR = "JENKINS_SERVER_COOKIE"   # what the plugin's abort greps for in /proc/*/environ


class PodStartFailed(StepFailed):
    """The pod will not run (image, scheduling, quota, deadline): the build fails with the reason."""


class PodLost(StepFailed):
    """The pod or a container died while steps ran; `retryable` as the plugin's kubernetesAgent()."""

    def __init__(self, loss: Loss) -> None:
        super().__init__(loss.message)
        self.loss = loss
        self.retryable = loss.retryable


@dataclass(frozen=True)
class Timings:
    """How long to wait for what. Environment overrides (seconds): ORCH_K8S_READY_TIMEOUT (default the
    cloud's waitForPodSec), ORCH_K8S_IMAGE_PULL_GRACE, ORCH_K8S_UNSCHEDULABLE_GRACE, ORCH_K8S_QUOTA_RETRIES,
    ORCH_K8S_QUOTA_BACKOFF."""
    ready_timeout: float = 600
    image_pull_grace: float = 20       # ImagePullBackOff for this long: the image will not come
    unschedulable_grace: float = 30    # time for a cluster autoscaler to add a node
    quota_retries: int = 5             # 403 exceeded quota / 5xx on create
    quota_backoff: float = 2.0         # seconds, doubled each retry, capped at 30

    @classmethod
    def from_env(cls, env: Mapping[str, str], ready_timeout: float = 600) -> "Timings":
        def number(key: str, default: float) -> float:
            try:
                return float(env[key])
            except (KeyError, ValueError):
                return default
        return cls(ready_timeout=number("ORCH_K8S_READY_TIMEOUT", ready_timeout),
                   image_pull_grace=number("ORCH_K8S_IMAGE_PULL_GRACE", cls.image_pull_grace),
                   unschedulable_grace=number("ORCH_K8S_UNSCHEDULABLE_GRACE", cls.unschedulable_grace),
                   quota_retries=int(number("ORCH_K8S_QUOTA_RETRIES", cls.quota_retries)),
                   quota_backoff=number("ORCH_K8S_QUOTA_BACKOFF", cls.quota_backoff))


def api_client_for(cloud: Any, token: Optional[str] = None):
    """An ApiClient for a cloud: its serverUrl (with a bearer token from its credentials), else the
    in-cluster service account, else the kubeconfig (KUBECONFIG or ~/.kube/config)."""
    from kubernetes import client, config
    configuration = client.Configuration()
    if cloud is not None and cloud.server_url:
        configuration.host = cloud.server_url.rstrip("/")
        configuration.verify_ssl = not cloud.skip_tls_verify
        if cloud.server_certificate:
            with tempfile.NamedTemporaryFile("w", suffix=".crt", delete=False) as f:
                f.write(cloud.server_certificate)
            configuration.ssl_ca_cert = f.name
        if token:
            configuration.api_key = {"authorization": f"Bearer {token}"}
    elif os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config(client_configuration=configuration)
    else:
        try:
            config.load_kube_config(client_configuration=configuration)
        except Exception as e:  # noqa: BLE001 - the client raises several kinds for a missing/bad file
            raise StepFailed(f"No Kubernetes configuration: not running in a cluster and the kubeconfig could not "
                             f"be read ({e}); set serverUrl on the cloud, KUBECONFIG, or ORCH_POD_RUNTIME=podman") from None
    return client.ApiClient(configuration)


def kubeconfig_namespace() -> str:
    try:
        from kubernetes import config
        _contexts, current = config.list_kube_config_contexts()
        return (current or {}).get("context", {}).get("namespace") or "default"
    except Exception:  # noqa: BLE001
        return "default"


class KubernetesRuntime:
    """One cluster (one cloud): create/watch/exec/delete pods in `namespace` (unless a manifest names its own)."""

    def __init__(self, api_client, namespace: str = "default", timings: Timings = Timings(),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        from kubernetes import client
        self.api_client = api_client
        self.core = client.CoreV1Api(api_client)
        self.namespace = namespace or "default"
        self.timings = timings
        self.sleep = sleep
        self._monitors: dict[str, "_Monitor"] = {}

    def close(self) -> None:
        for monitor in list(self._monitors.values()):
            monitor.stop()
        self.api_client.close()

    def namespace_of(self, manifest: dict) -> str:
        return manifest.get("metadata", {}).get("namespace") or self.namespace

    # ------------------------------------------------------------ create and wait
    def create(self, manifest: dict, say: Callable[[str], None], cancelled: Optional[threading.Event] = None) -> str:
        """Create the pod, retrying what the plugin retries (exceeded quota, server errors); raises
        PodStartFailed with the reason when it cannot be created. Returns the pod name."""
        from kubernetes.client.rest import ApiException
        ns, name = self.namespace_of(manifest), manifest["metadata"]["name"]
        body = dict(manifest, metadata=dict(manifest["metadata"], namespace=ns))
        delay = self.timings.quota_backoff
        for attempt in range(self.timings.quota_retries + 1):
            try:
                with self._reaching():
                    self.core.create_namespaced_pod(ns, body, _preload_content=False)
                return name
            except ApiException as e:
                retry, message = create_failure(e.status or 0, e.body or e.reason or "", f"{ns}/{name}")
                if not retry or attempt == self.timings.quota_retries:
                    raise PodStartFailed(message + (f" (gave up after {attempt + 1} attempts)" if retry else "")) \
                        from None
                say(f"WARNING: {message}. Retrying in {delay:g} s...")
                if cancelled.wait(delay) if cancelled is not None else self.sleep(delay):
                    raise PodStartFailed(f"Aborted while waiting to create pod {ns}/{name}") from None
                delay = min(delay * 2, 30.0)
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _reaching(self):
        """Connection errors (refused, DNS, TLS, timeouts) become one clear message naming the server."""
        import urllib3
        try:
            yield
        except urllib3.exceptions.HTTPError as e:
            reason = getattr(e, "reason", None) or e
            raise PodStartFailed(f"Cannot reach the Kubernetes API server at {self.api_client.configuration.host}: "
                                 f"{reason}") from None

    def wait_ready(self, ns: str, name: str, say: Callable[[str], None],
                   cancelled: Optional[threading.Event] = None) -> None:
        """Watch the pod until every container runs; raises PodStartFailed with the reason when it will not."""
        with self._reaching():
            self._wait_ready(ns, name, say, cancelled)

    def _wait_ready(self, ns: str, name: str, say: Callable[[str], None], cancelled: Optional[threading.Event]) -> None:
        from kubernetes import watch
        started = time.monotonic()
        first_seen: dict[str, float] = {}
        last_info: list[str] = []
        while True:
            left = self.timings.ready_timeout - (time.monotonic() - started)
            if left <= 0:
                raise PodStartFailed(f"Pod {ns}/{name} is not running after {self.timings.ready_timeout:g} seconds")
            w = watch.Watch()
            # short watch windows so grace periods and aborts are noticed even when the pod is quiet; each
            # window starts with the pod's current state (an ADDED event), so no separate read is needed
            seen = False
            for event in w.stream(self.core.list_namespaced_pod, ns, field_selector=f"metadata.name={name}",
                                  timeout_seconds=max(1, int(min(left, 2))), deserialize=False):
                pod = event.get("raw_object", event["object"])
                seen = True
                if event["type"] == "DELETED":
                    w.stop()
                    raise PodStartFailed(f"Pod {ns}/{name} was deleted before it started")
                info = pod_info_lines(pod)
                if info and info != last_info:
                    for line in info:
                        say(line)
                last_info = info
                verdict = startup_verdict(pod)
                if verdict.state == "ready":
                    w.stop()
                    return
                if verdict.state == "failed":
                    w.stop()
                    raise PodStartFailed(verdict.message)
                if verdict.reason:
                    first_seen.setdefault(verdict.reason, time.monotonic())
                if self._gave_up(verdict, first_seen):
                    w.stop()
                    raise PodStartFailed(verdict.message)
            if cancelled is not None and cancelled.is_set():
                raise PodStartFailed(f"Aborted while waiting for pod {ns}/{name}")
            if not seen:
                raise PodStartFailed(f"Pod {ns}/{name} no longer exists")

    def _gave_up(self, verdict, first_seen: dict[str, float]) -> bool:
        if not verdict.reason or verdict.reason not in first_seen:
            return False
        grace = self.timings.unschedulable_grace if verdict.reason == "Unschedulable" else self.timings.image_pull_grace
        return time.monotonic() - first_seen[verdict.reason] >= grace

    # ------------------------------------------------------------ while steps run
    def monitor(self, ns: str, name: str, say: Callable[[str], None]) -> "_Monitor":
        monitor = self._monitors[name] = _Monitor(self, ns, name, say)
        monitor.start()
        return monitor

    def delete(self, ns: str, name: str) -> None:
        from kubernetes.client.rest import ApiException
        monitor = self._monitors.pop(name, None)
        if monitor is not None:
            monitor.stopping()   # the DELETED event that wakes its watch is not a loss
        try:
            self.core.delete_namespaced_pod(name, ns, grace_period_seconds=0, _preload_content=False)
        except ApiException as e:
            if e.status != 404:
                raise
        finally:
            if monitor is not None:
                monitor.stop()

    def remove_build_pods(self, job_name: str, number: int, namespaces: tuple[str, ...] = ()) -> int:
        """Delete the pods a build left behind (after a controller crash), found by the `orchestrator/job` and
        `orchestrator/build` labels build_pod puts on them, in the runtime's namespace and `namespaces`."""
        from .names import label_value
        selector = f"orchestrator/job={label_value(job_name)},orchestrator/build={number}"
        removed = 0
        for ns in dict.fromkeys((self.namespace, *namespaces)):
            with self._reaching():
                listed = json.loads(self.core.list_namespaced_pod(ns, label_selector=selector,
                                                                  _preload_content=False).data)
            for item in listed.get("items", []):
                self.delete(ns, item["metadata"]["name"])
                removed += 1
        return removed

    # ------------------------------------------------------------ exec
    def run(self, ns: str, pod: str, container: str, argv: list[str], *, on_output: Callable[[bytes], None],
            capture_stdout: bool = False, stop: Optional[threading.Event] = None, stdin: Optional[bytes] = None,
            lost: Optional[threading.Event] = None) -> ProcessResult:
        """Exec argv in the container over the API's websocket, streaming stderr (and stdout unless captured)
        to on_output in whole lines; the exit code comes from the status channel. `stop` ends it as an abort
        (the connection is closed); `lost` ends it because the pod died."""
        from kubernetes.client.rest import ApiException
        from kubernetes.stream import stream
        try:
            with self._reaching():
                resp = stream(self.core.connect_get_namespaced_pod_exec, pod, ns, container=container,
                              command=argv, stdin=stdin is not None, stdout=True, stderr=True, tty=False,
                              _preload_content=False, binary=True)
        except ApiException as e:
            if lost is not None and lost.is_set():
                return ProcessResult(-1)
            raise StepFailed(f"Could not run a command in container '{container}' of pod {ns}/{pod}: "
                             f"{_api_message(e)}") from None
        captured = bytearray()
        buffers = {1: bytearray(), 2: bytearray()}
        interrupted = False

        def drain() -> None:
            # timeout=0: the client's read_*() default of None blocks until the next frame, and a frame
            # that arrives then for the other channel would be left unread when the socket closes
            out, err = resp.read_stdout(timeout=0), resp.read_stderr(timeout=0)
            if out:
                if capture_stdout:
                    captured.extend(out)
                else:
                    _emit_lines(buffers[1], out, on_output)
            if err:
                _emit_lines(buffers[2], err, on_output)
        try:
            if stdin is not None:
                for start in range(0, len(stdin), 1 << 16):
                    resp.write_stdin(stdin[start:start + (1 << 16)])
            while resp.is_open():
                if stop is not None and stop.is_set():
                    interrupted = True
                    break
                if lost is not None and lost.is_set():
                    break
                try:
                    resp.update(timeout=0.2)
                except Exception:  # noqa: BLE001 - the connection broke (pod gone, API server restarted)
                    break
                drain()
            drain()
        finally:
            for rest in buffers.values():
                if rest:
                    on_output(bytes(rest) + b"\n")
            code = None
            if not interrupted and not (lost is not None and lost.is_set()) and not resp.is_open():
                try:
                    code = resp.returncode
                except Exception:  # noqa: BLE001 - no status arrived on channel 3
                    code = None
            resp.close()
            # websocket-client leaves the socket open when the server closed first: close it here
            if getattr(resp, "sock", None) is not None:
                resp.sock.shutdown()
        if interrupted:
            return ProcessResult(143, bytes(captured), True)
        return ProcessResult(-1 if code is None else code, bytes(captured), False)


def _api_message(e) -> str:
    try:
        return json.loads(e.body).get("message") or str(e.reason)
    except (TypeError, ValueError, AttributeError):
        return f"{e.status} {e.reason}"


class _Monitor:
    """Watches one pod while its steps run: a deleted pod, a failed pod or a dead container is a loss,
    which ends the running exec and fails the step with the reason."""

    def __init__(self, runtime: KubernetesRuntime, ns: str, name: str, say: Callable[[str], None]) -> None:
        self.runtime, self.ns, self.name, self.say = runtime, ns, name, say
        self.lost = threading.Event()
        self.loss: Optional[Loss] = None
        self._stopping = threading.Event()
        self._watch = None
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"pod-monitor-{name}")

    def start(self) -> None:
        self._thread.start()

    def stopping(self) -> None:
        self._stopping.set()
        if self._watch is not None:
            self._watch.stop()

    def stop(self) -> None:
        self.stopping()
        self._thread.join(10)

    def _run(self) -> None:
        from kubernetes import watch
        last_info: list[str] = []
        while not self._stopping.is_set():
            self._watch = watch.Watch()
            try:
                for event in self._watch.stream(self.runtime.core.list_namespaced_pod, self.ns,
                                                field_selector=f"metadata.name={self.name}", timeout_seconds=30,
                                                deserialize=False):
                    if self._stopping.is_set():
                        return
                    pod = event.get("raw_object", event["object"])
                    info = pod_info_lines(pod)
                    if info and info != last_info:
                        for line in info:
                            self.say(line)
                    last_info = info
                    loss = loss_of(pod, deleted=event["type"] == "DELETED")
                    if loss is not None:
                        self.loss = loss
                        self.lost.set()
                        return
            except Exception:  # noqa: BLE001 - a broken watch is re-opened; the steps go on
                if self._stopping.wait(1):
                    return

    def check(self) -> None:
        if self.loss is not None:
            raise PodLost(self.loss)


class KubernetesPodAgent(PodSteps):
    """Steps of a pod agent on a cluster: `sh` execs in a container; the workspace is copied as described
    in the module docstring."""

    def __init__(self, runtime: KubernetesRuntime, ns: str, pod: str, containers: list[str], default_container: str,
                 host_workspace: Path, monitor: Optional[_Monitor] = None) -> None:
        super().__init__(pod, containers, default_container, host_workspace)
        self.runtime = runtime
        self.ns = ns
        self.monitor = monitor
        self._synced: dict[str, tuple[int, int, int]] = {}
        self._mark = f"/tmp/.orchestrator-sync-{pod}"

    def run_shell(self, script: str, *, cwd: str, env: dict[str, str], on_output: Callable[[bytes], None],
                  capture_stdout: bool = False, stop: Optional[threading.Event] = None,
                  shell: tuple[str, ...] = ("sh", "-xe"), container: Optional[str] = None) -> ProcessResult:
        name = self.container_for(container)
        if self.monitor is not None:
            self.monitor.check()
        self._push(name)
        cookie = uuid.uuid4().hex
        build_env = dict(self.exec_env(env), POD_CONTAINER=name, **{COOKIE_VAR: cookie})
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(build_env.items())
                           if k.replace("_", "a").isalnum() and not k[0].isdigit())
        where = shlex.quote(self.container_path(cwd))
        # the mark dates from a second ago: file times come from a coarse clock, and a file the step writes
        # in the same tick as the mark must still count as newer when the workspace is copied back
        merge = "" if capture_stdout else "exec 2>&1; "   # one stream, in order, as a local step's output
        wrapper = (f"touch -d \"@$(( $(date +%s) - 1 ))\" {self._mark} 2>/dev/null; {merge}mkdir -p {where} && "
                   f"cd {where} && export {exports} && "
                   f"exec {' '.join(shlex.quote(a) for a in [*shell, '-c', script])}")
        lost = self.monitor.lost if self.monitor is not None else None
        result = self.runtime.run(self.ns, self.pod, name, ["sh", "-c", wrapper], on_output=on_output,
                                  capture_stdout=capture_stdout, stop=stop, lost=lost)
        if result.interrupted:
            self._kill(name, cookie)
        if self.monitor is not None:
            if lost is not None and lost.is_set() or result.exit_code in (-1, 137):
                self.monitor.lost.wait(1)   # the watch event may trail the exec's end by a moment
            self.monitor.check()
        self._pull(name)
        return result

    def _kill(self, container: str, cookie: str) -> None:
        script = (f"for p in $(grep -l '{COOKIE_VAR}={cookie}' /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); "
                  "do kill -9 $p 2>/dev/null; done; true")
        try:
            self.runtime.run(self.ns, self.pod, container, ["sh", "-c", script], on_output=lambda _b: None)
        except Exception:  # noqa: BLE001 - the pod may be gone already
            pass

    # ------------------------------------------------------------ workspace copy
    def _scan(self) -> dict[str, tuple[int, int, int]]:
        found = {}
        for folder, _dirs, files in os.walk(self.host_workspace):
            for file in files:
                path = os.path.join(folder, file)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                # ctime too: a file replaced with the same mtime and size (unstash, tar) is still a change
                found[os.path.relpath(path, self.host_workspace)] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        return found

    def _push(self, container: str) -> None:
        now = self._scan()
        changed = sorted(p for p, sig in now.items() if self._synced.get(p) != sig)
        if not changed:
            return
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w") as tar:
            for relative in changed:
                tar.add(self.host_workspace / relative, arcname=relative, recursive=False)
        payload = data.getvalue()
        # `head -c` ends the stream without needing the v5 protocol's stdin close
        result = self.runtime.run(self.ns, self.pod, container,
                                  ["sh", "-c", f"head -c {len(payload)} | tar -xf - -C {CONTAINER_WORKSPACE}"],
                                  on_output=lambda _b: None, stdin=payload)
        if result.exit_code != 0:
            raise StepFailed(f"Could not copy the workspace into pod {self.pod} (container '{container}'): "
                             f"tar exited with {result.exit_code}")
        self._synced.update({p: now[p] for p in changed})

    def _pull(self, container: str) -> None:
        """Copy back what the step changed (tar on stdout) and mirror what it deleted (the pod's file list on
        stderr): after each step the controller's copy is the pod's workspace."""
        # xargs may start tar more than once: the archives are read back to back (ignore_zeros)
        script = (f"cd {CONTAINER_WORKSPACE} && {{ if [ -e {self._mark} ]; then find . -newer {self._mark} ! -type d "
                  "-print0; else find . ! -type d -print0; fi | xargs -0 -r tar -cf - 2>/dev/null; "
                  "find . ! -type d >&2; }")
        listing = bytearray()
        result = self.runtime.run(self.ns, self.pod, container, ["sh", "-c", script], on_output=listing.extend,
                                  capture_stdout=True)
        members: list = []
        if result.stdout:
            try:
                with tarfile.open(fileobj=io.BytesIO(result.stdout), mode="r", ignore_zeros=True) as tar:
                    members = [m for m in tar.getmembers() if m.isfile() or m.issym()]
                    tar.extractall(self.host_workspace, members=members, filter="data")
            except (tarfile.TarError, OSError) as e:
                raise StepFailed(f"Could not copy the workspace back from pod {self.pod}: {e}") from None
        if result.exit_code == 0:
            in_pod = {os.path.normpath(line) for line in listing.decode("utf-8", "surrogateescape").splitlines()}
            for relative in [p for p in self._synced if p not in in_pod]:
                try:
                    (self.host_workspace / relative).unlink()
                except OSError:
                    pass
                del self._synced[relative]
        now = self._scan()
        for relative in (os.path.normpath(m.name) for m in members):
            if relative in now:
                self._synced[relative] = now[relative]
