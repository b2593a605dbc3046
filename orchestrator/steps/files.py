"""Workspace file steps: writeFile, readFile, fileExists, deleteDir, cleanWs, pwd, archiveArtifacts,
stash/unstash and junit."""
from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from orchestrator.agents.local import workspace_name
from orchestrator.engine.conditions import glob_match
from orchestrator.errors import StepFailed
from orchestrator.results import Result

from . import step

DEFAULT_EXCLUDES = ("**/.git", "**/.git/**", "**/.svn/**", "**/.hg/**", "**/*~", "**/#*#", "**/.DS_Store")


def _path(call, file) -> Path:
    base = Path(call.ctx.cwd or call.ctx.workspace or ".")
    path = Path(str(file))
    return path if path.is_absolute() else base / path


def _patterns(spec) -> list[str]:
    if not spec:
        return []
    if isinstance(spec, (list, tuple)):
        spec = ",".join(str(s) for s in spec)
    return [p.strip() for p in str(spec).split(",") if p.strip()]


def ant_glob(root: Path, includes, excludes=None, default_excludes: bool = True) -> list[Path]:
    """Files under root matching Ant patterns (`**/*.xml,target/*.jar`), sorted."""
    inc = [p if not p.endswith("/") else p + "**" for p in _patterns(includes)]
    exc = _patterns(excludes) + (list(DEFAULT_EXCLUDES) if default_excludes else [])
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            rel = Path(dirpath, name).relative_to(root).as_posix()
            if any(glob_match(p, rel, True) for p in inc) and not any(glob_match(p, rel, True) for p in exc):
                found.append(Path(dirpath, name))
    return found


def build_dir(build) -> Path:
    if build.build_dir is not None:
        return Path(build.build_dir)
    return Path(build.home) / "jobs" / workspace_name(build.job_name) / "builds" / str(build.number)


@step("writeFile", needs_node=True)
def write_file(call, file, text, encoding="UTF-8"):
    path = _path(call, file)
    path.parent.mkdir(parents=True, exist_ok=True)
    if str(encoding).lower() == "base64":
        import base64
        path.write_bytes(base64.b64decode(str(text)))
    else:
        path.write_text(str(text), encoding="utf-8")


@step("readFile", needs_node=True)
def read_file(call, file, encoding="UTF-8"):
    path = _path(call, file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StepFailed(f"java.nio.file.NoSuchFileException: {path}", call.line) from None
    if str(encoding).lower() == "base64":
        import base64
        return base64.b64encode(data).decode()
    return data.decode("utf-8", errors="replace")


@step("fileExists", needs_node=True)
def file_exists(call, file):
    return _path(call, file).exists()


@step("deleteDir", needs_node=True)
def delete_dir(call):
    target = Path(call.ctx.cwd or call.ctx.workspace)
    shutil.rmtree(target, ignore_errors=True)


@step("cleanWs", needs_node=True)
def clean_ws(call, **options):
    target = Path(call.ctx.workspace)
    call.console.line("[WS-CLEANUP] Deleting project workspace...")
    if target.exists():
        for child in target.iterdir():
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() and not child.is_symlink() else child.unlink()
    call.console.line("[WS-CLEANUP] done")


@step("pwd", needs_node=True, marker=False)
def pwd(call, tmp=False):
    base = str(call.ctx.cwd or call.ctx.workspace)
    return base + "@tmp" if tmp else base


@step("archiveArtifacts", needs_node=True)
def archive_artifacts(call, artifacts, allowEmptyArchive=False, excludes=None, fingerprint=False,
                      onlyIfSuccessful=False, caseSensitive=True, defaultExcludes=True, followSymlinks=True):
    if onlyIfSuccessful and call.ctx.build.current_result != Result.SUCCESS:
        call.console.line("Skipped archiving because build is not successful")
        return
    root = Path(call.ctx.cwd or call.ctx.workspace)
    files = ant_glob(root, artifacts, excludes, defaultExcludes)
    if not files:
        if allowEmptyArchive:
            call.console.line(f"No artifacts found that match the file pattern \"{artifacts}\".")
            return
        raise StepFailed(f'No artifacts found that match the file pattern "{artifacts}". Configuration error?',
                         call.line)
    call.console.line("Archiving artifacts")
    target = build_dir(call.ctx.build) / "archive"
    for path in files:
        dest = target / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)


@step("archive", needs_node=True)
def archive(call, includes, excludes=None):
    archive_artifacts(call, includes, excludes=excludes)


def _stash_dir(build, name: str) -> Path:
    safe = workspace_name(name)
    return build_dir(build) / "stashes" / safe


@step("stash", needs_node=True)
def stash(call, name, includes="**", excludes=None, allowEmpty=False, useDefaultExcludes=True):
    root = Path(call.ctx.cwd or call.ctx.workspace)
    files = ant_glob(root, includes or "**", excludes, useDefaultExcludes)
    if not files and not allowEmpty:
        raise StepFailed(f"No files included in stash ‘{name}’", call.line)
    target = _stash_dir(call.ctx.build, str(name))
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in files:
        dest = target / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    call.console.line(f"Stashed {len(files)} file(s)")


@step("unstash", needs_node=True)
def unstash(call, name):
    source = _stash_dir(call.ctx.build, str(name))
    if not source.is_dir():
        raise StepFailed(f"No such saved stash ‘{name}’", call.line)
    root = Path(call.ctx.cwd or call.ctx.workspace)
    shutil.copytree(source, root, dirs_exist_ok=True)


@step("junit", needs_node=True)
def junit(call, testResults, allowEmptyResults=False, keepLongStdio=False, skipMarkingBuildUnstable=False,
          skipPublishingChecks=False, healthScaleFactor=1.0, checksName=None, testDataPublishers=None,
          keepProperties=False, keepTestNames=False, stdioRetention=None):
    root = Path(call.ctx.cwd or call.ctx.workspace)
    files = ant_glob(root, testResults, default_excludes=False)
    if not files:
        if allowEmptyResults:
            call.console.line("None of the test reports contained any result")
            return {"totalCount": 0, "failCount": 0, "skipCount": 0, "passCount": 0}
        raise StepFailed("No test report files were found. Configuration error?", call.line)
    total = failed = skipped = 0
    for path in files:
        try:
            tree = ET.parse(path)
        except ET.ParseError as e:
            raise StepFailed(f"Failed to read test report file {path}: {e}", call.line) from None
        for case in tree.iter("testcase"):
            total += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
    call.console.line("Recording test results")
    counts = call.ctx.build.junit
    counts["total"] += total
    counts["failed"] += failed
    counts["skipped"] += skipped
    if failed and not skipMarkingBuildUnstable:
        call.ctx.build.set_result(Result.UNSTABLE)
        if call.ctx.stage is not None:
            call.ctx.stage.add_warning(Result.UNSTABLE)
    return {"totalCount": total, "failCount": failed, "skipCount": skipped, "passCount": total - failed - skipped}
