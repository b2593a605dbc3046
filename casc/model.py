"""The typed configuration a JCasC load produces: frozen dataclasses, defaults as in Jenkins.

A `Config` is a value: loading builds a new one and applying swaps it in whole, so nothing can
hold a half-updated configuration. Field names follow the JCasC attribute names in snake_case.
Secret fields are excluded from `repr()` (and so from logs and tracebacks); `Config.secrets()`
lists their values so callers can mask them in build output.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from .credentials import Credential, CredentialDomain
from .errors import CascWarning


def secret_field(default: str = "") -> str:
    return field(default=default, repr=False)  # type: ignore[return-value]


# ---------------------------------------------------------------- security
@dataclass(frozen=True)
class LocalUser:
    id: str
    password: str = secret_field()  # plain, or "#jbcrypt:$2a$..." kept hashed
    name: str = ""
    description: str = ""
    email: str = ""                  # from the `mailer` user property
    time_zone: str = ""
    ssh_public_keys: str = ""

    @property
    def password_is_hashed(self) -> bool:
        return self.password.startswith("#jbcrypt:")


@dataclass(frozen=True)
class LocalSecurityRealm:
    """`securityRealm: local` (Jenkins' own user database). Users not listed are kept, as in Jenkins."""
    allows_signup: bool = False
    users: tuple[LocalUser, ...] = ()
    kind = "local"


SecurityRealm = Optional[LocalSecurityRealm]  # None: not configured (the server's default applies)


@dataclass(frozen=True)
class PermissionGrant:
    """One matrix cell: `permission` (e.g. "Overall/Administer") granted to a user, group or either."""
    permission: str
    sid: str
    sid_type: str = "EITHER"  # USER | GROUP | EITHER (old `Permission:sid` entries are ambiguous)


@dataclass(frozen=True)
class Unsecured:
    kind = "unsecured"


@dataclass(frozen=True)
class LoggedInUsersCanDoAnything:
    allow_anonymous_read: bool = False
    kind = "loggedInUsersCanDoAnything"


@dataclass(frozen=True)
class MatrixAuthorization:
    grants: tuple[PermissionGrant, ...] = ()
    project_based: bool = False  # projectMatrix: jobs may add their own grants
    kind = "globalMatrix"

    def permissions_of(self, sid: str) -> frozenset[str]:
        return frozenset(g.permission for g in self.grants if g.sid == sid)


AuthorizationStrategy = Union[Unsecured, LoggedInUsersCanDoAnything, MatrixAuthorization, None]


@dataclass(frozen=True)
class CrumbIssuer:
    """CSRF protection (`crumbIssuer: standard`), on by default as in Jenkins 2.222+."""
    exclude_client_ip_from_crumb: bool = False


@dataclass(frozen=True)
class Proxy:
    name: str
    port: int = 0
    user_name: str = ""
    secret_password: str = secret_field()
    no_proxy_host: str = ""
    test_url: str = ""


@dataclass(frozen=True)
class ProjectNamingStrategy:
    """`standard` (any name), or a `pattern` job names must match."""
    pattern: str = ""
    description: str = ""
    force_existing_jobs: bool = False


# ---------------------------------------------------------------- kubernetes
@dataclass(frozen=True)
class EnvVar:
    key: str
    value: str = ""
    secret_name: str = ""  # secretEnvVar: the value comes from a Kubernetes Secret
    secret_key: str = ""
    optional: bool = False

    @property
    def from_secret(self) -> bool:
        return bool(self.secret_name)


@dataclass(frozen=True)
class PortMapping:
    name: str = ""
    container_port: Optional[int] = None
    host_port: Optional[int] = None


@dataclass(frozen=True)
class Probe:
    exec_args: str = ""
    timeout_seconds: int = 0
    initial_delay_seconds: int = 0
    failure_threshold: int = 0
    period_seconds: int = 0
    success_threshold: int = 0


@dataclass(frozen=True)
class ContainerTemplate:
    name: str
    image: str = ""
    privileged: bool = False
    always_pull_image: bool = False
    working_dir: str = "/home/jenkins/agent"
    command: str = ""        # whitespace-separated, as the plugin takes it ("/bin/sh -c")
    args: str = ""
    tty_enabled: bool = False
    shell: str = ""
    resource_request_cpu: str = ""
    resource_request_memory: str = ""
    resource_request_ephemeral_storage: str = ""
    resource_limit_cpu: str = ""
    resource_limit_memory: str = ""
    resource_limit_ephemeral_storage: str = ""
    run_as_user: str = ""
    run_as_group: str = ""
    env_vars: tuple[EnvVar, ...] = ()
    ports: tuple[PortMapping, ...] = ()
    liveness_probe: Optional[Probe] = None

    def resources(self) -> dict:
        """Kubernetes `resources:` for this container (only the values set)."""
        out: dict[str, dict[str, str]] = {}
        for kind in ("request", "limit"):
            values = {name: getattr(self, f"resource_{kind}_{attr}")
                      for name, attr in (("cpu", "cpu"), ("memory", "memory"),
                                         ("ephemeral-storage", "ephemeral_storage"))}
            values = {k: v for k, v in values.items() if v}
            if values:
                out["requests" if kind == "request" else "limits"] = values
        return out


@dataclass(frozen=True)
class Volume:
    """A pod template volume; `kind` is the JCasC symbol (configMapVolume, emptyDirVolume...)."""
    kind: str
    mount_path: str = ""
    sub_path: str = ""
    read_only: bool = False
    config_map_name: str = ""
    secret_name: str = ""
    claim_name: str = ""
    host_path: str = ""
    server_address: str = ""
    server_path: str = ""
    memory: bool = False
    optional: bool = False
    default_mode: str = ""
    storage_class_name: str = ""
    access_modes: str = ""
    requests_size: str = ""


@dataclass(frozen=True)
class WorkspaceVolume:
    """Where the shared workspace lives; `kind` is emptyDir, hostPath, nfs, persistentVolumeClaim,
    dynamicPVC or genericEphemeral. Default: an emptyDir."""
    kind: str = "emptyDir"
    memory: bool = False
    host_path: str = ""
    server_address: str = ""
    server_path: str = ""
    read_only: bool = False
    claim_name: str = ""
    storage_class_name: str = ""
    access_modes: str = ""
    requests_size: str = ""


@dataclass(frozen=True)
class PodTemplate:
    name: str = ""
    namespace: str = ""
    label: str = ""
    node_usage_mode: str = "NORMAL"  # EXCLUSIVE: only builds asking for the label use it
    inherit_from: str = ""
    instance_cap: Optional[int] = None  # None: unlimited
    idle_minutes: int = 0
    active_deadline_seconds: int = 0
    slave_connect_timeout: int = 1000   # seconds a pod may take to become ready
    pod_retention: str = "default"      # never | always | onFailure | default (the cloud's)
    node_selector: tuple[tuple[str, str], ...] = ()
    service_account: str = ""
    scheduler_name: str = ""
    host_network: bool = False
    run_as_user: str = ""
    run_as_group: str = ""
    supplemental_groups: str = ""
    image_pull_secrets: tuple[str, ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    volumes: tuple[Volume, ...] = ()
    workspace_volume: WorkspaceVolume = WorkspaceVolume()
    env_vars: tuple[EnvVar, ...] = ()
    containers: tuple[ContainerTemplate, ...] = ()
    yaml: str = ""
    yaml_merge_strategy: str = "override"  # merge | override: how `yaml` combines with inherited yaml
    inherit_yaml_merge_strategy: bool = False
    show_raw_yaml: bool = True
    termination_grace_period_seconds: Optional[int] = None

    def container(self, name: str) -> Optional[ContainerTemplate]:
        return next((c for c in self.containers if c.name == name), None)


@dataclass(frozen=True)
class KubernetesCloud:
    name: str
    server_url: str = ""          # empty: in-cluster config or kubeconfig
    server_certificate: str = ""
    skip_tls_verify: bool = False
    credentials_id: str = ""
    namespace: str = ""
    jenkins_url: str = ""
    jenkins_tunnel: str = ""
    container_cap: Optional[int] = None  # None: unlimited
    retention_timeout: int = 5
    connect_timeout: int = 5
    read_timeout: int = 15
    max_requests_per_host: int = 32
    wait_for_pod_sec: int = 600
    pod_labels: tuple[tuple[str, str], ...] = ()
    pod_retention: str = "never"
    usage_restricted: bool = False
    web_socket: bool = False
    direct_connection: bool = False
    add_master_proxy_env_vars: bool = False
    restricted_pss_security_context: bool = False
    defaults_provider_template: str = ""
    templates: tuple[PodTemplate, ...] = ()
    runtime: str = "auto"  # podman | kubernetes | auto: see casc.clouds.pod_runtime

    def template(self, name: str) -> Optional[PodTemplate]:
        return next((t for t in self.templates if t.name == name), None)

    def templates_for(self, label: str) -> tuple[PodTemplate, ...]:
        """Templates whose space-separated `label` contains `label`."""
        return tuple(t for t in self.templates if label in t.label.split())


# ---------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Parameter:
    kind: str  # string | boolean | choice | text | password
    name: str
    default: Union[str, bool] = ""
    description: str = ""
    choices: tuple[str, ...] = ()
    trim: bool = False


@dataclass(frozen=True)
class Trigger:
    kind: str  # cron | pollSCM | upstream
    spec: str  # the cron spec; for upstream the job names, comma-separated as Jenkins writes them
    threshold: str = ""  # upstream: the worst upstream result that still triggers (SUCCESS, UNSTABLE, ...)


@dataclass(frozen=True)
class LogRotator:
    """-1 keeps everything, as in Jenkins."""
    days_to_keep: int = -1
    num_to_keep: int = -1
    artifact_days_to_keep: int = -1
    artifact_num_to_keep: int = -1


@dataclass(frozen=True)
class InlineScript:
    """`definition { cps { script(...) } }`: the Jenkinsfile text, already checked."""
    script: str
    sandbox: bool = False


@dataclass(frozen=True)
class ScmScript:
    """`definition { cpsScm { scm { git { ... } } } }`: the Jenkinsfile comes from a git repository."""
    url: str
    credentials_id: str = ""
    branch: str = ""  # empty: not given (Job DSL's default `**`, any branch)
    script_path: str = "Jenkinsfile"
    lightweight: bool = False


@dataclass(frozen=True)
class Origin:
    """Where a job is declared: file, line, and the YAML path of its script or item."""
    file: str
    line: int
    path: str = ""


@dataclass(frozen=True)
class Job:
    """A job as declared: `kind` is pipeline, folder or freestyle (freestyle carries a generated
    Declarative script in `definition`). `name` is the full name with folders (`team/app`)."""
    name: str
    kind: str = "pipeline"
    description: str = ""
    display_name: str = ""
    disabled: bool = False
    concurrent_builds: bool = True
    quiet_period: Optional[int] = None
    parameters: tuple[Parameter, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    log_rotator: Optional[LogRotator] = None
    definition: Union[InlineScript, ScmScript, None] = None
    auth_token: str = secret_field()  # Job DSL authenticationToken: `/job/x/build?token=` builds anonymously
    origin: Optional[Origin] = field(default=None, compare=False)

    @property
    def parent(self) -> str:
        return self.name.rpartition("/")[0]


# ---------------------------------------------------------------- whole configuration
@dataclass(frozen=True)
class JenkinsSettings:
    system_message: str = ""
    num_executors: int = 2
    label_string: str = ""
    mode: str = "NORMAL"
    quiet_period: int = 5
    scm_checkout_retry_count: int = 0
    security_realm: SecurityRealm = None
    authorization_strategy: AuthorizationStrategy = None
    crumb_issuer: Optional[CrumbIssuer] = CrumbIssuer()
    markup_formatter: str = "plainText"
    project_naming_strategy: ProjectNamingStrategy = ProjectNamingStrategy()
    global_env: tuple[tuple[str, str], ...] = ()
    clouds: tuple[KubernetesCloud, ...] = ()
    proxy: Optional[Proxy] = None

    def cloud(self, name: str) -> Optional[KubernetesCloud]:
        return next((c for c in self.clouds if c.name == name), None)


@dataclass(frozen=True)
class Location:
    url: str = ""
    admin_address: str = "address not configured yet <nobody@nowhere>"


@dataclass(frozen=True)
class GitHubPluginConfig:
    """`unclassified: gitHubPluginConfig`: the string credentials GitHub webhook deliveries are signed with."""
    hook_secret_ids: tuple[str, ...] = ()
    hook_url: str = ""


@dataclass(frozen=True)
class ApiTokenSettings:
    creation_of_legacy_token_enabled: bool = False
    token_generation_on_creation_enabled: bool = False
    usage_statistics_enabled: bool = True


@dataclass(frozen=True)
class Options:
    """The `configuration-as-code:` root (policies for unknown, restricted and deprecated keys)."""
    version: int = 1
    unknown: str = "reject"
    restricted: str = "reject"
    deprecated: str = "reject"


@dataclass(frozen=True)
class Config:
    jenkins: JenkinsSettings = JenkinsSettings()
    location: Location = Location()
    github: GitHubPluginConfig = GitHubPluginConfig()
    api_token: ApiTokenSettings = ApiTokenSettings()
    credentials: tuple[Credential, ...] = ()
    credential_domains: tuple[CredentialDomain, ...] = ()
    jobs: tuple[Job, ...] = ()
    # keep | delete-tracked | delete-all: what apply does with jobs no longer declared (items: root)
    undeclared_jobs: str = "keep"
    options: Options = Options()
    sources: tuple[str, ...] = ()
    warnings: tuple[CascWarning, ...] = field(default=(), compare=False)

    def credential(self, id: str) -> Optional[Credential]:
        return next((c for c in self.credentials if c.id == id), None)

    def credentials_by_id(self) -> dict[str, Credential]:
        """The mapping the engine takes (`Build.credentials`)."""
        return {c.id: c for c in self.credentials}

    def job(self, name: str) -> Optional[Job]:
        return next((j for j in self.jobs if j.name == name), None)

    def secrets(self) -> list[str]:
        """Every secret value in the configuration, to mask wherever text leaves the controller."""
        values = [s for c in self.credentials for s in c.secrets()]
        realm = self.jenkins.security_realm
        if realm is not None:
            values += [u.password for u in realm.users if u.password]
        if self.jenkins.proxy and self.jenkins.proxy.secret_password:
            values.append(self.jenkins.proxy.secret_password)
        values += [job.auth_token for job in self.jobs if job.auth_token]
        return values
