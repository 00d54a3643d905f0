"""A real IMAP server for tests and benchmarks: Dovecot (Debian's `dovecot-imapd`) started in a
temporary directory on 127.0.0.1 and a free port, plaintext login without TLS, one user whose
mail is a Maildir in that directory.

    with dovecot_server(tmp_path) as server:
        imap = server.connect()          # an imaplib.IMAP4, logged in
        server.append(raw_bytes)          # deliver a message to INBOX

It runs as root (CI) with the mail owned by `nobody`, or as an ordinary user with everything
owned by that user. `dovecot_or_skip()` gives the path of the binary, skips when it is missing
on a laptop, and fails when CI=true: CI must test against the real server, never skip it.
"""

from __future__ import annotations

import contextlib
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "dropbox@ngo.example"
PASSWORD = "dropbox-secret"
DOVECOT_CANDIDATES = ("dovecot", "/usr/sbin/dovecot")


def find_dovecot() -> str | None:
    for name in DOVECOT_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def dovecot_or_skip() -> str:
    binary = find_dovecot()
    if binary:
        return binary
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but Dovecot is not installed (apt-get install dovecot-imapd)")
    pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DovecotServer:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen

    def connect(self, folder: str = "INBOX") -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port)
        imap.login(self.user, self.password)
        imap.select(folder)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        imap = imaplib.IMAP4(self.host, self.port)
        try:
            imap.login(self.user, self.password)
            typ, data = imap.append(folder, flags or None, None, raw)
            assert typ == "OK", data
        finally:
            imap.logout()

    def append_many(self, messages: list[bytes], folder: str = "INBOX") -> None:
        imap = imaplib.IMAP4(self.host, self.port)
        try:
            imap.login(self.user, self.password)
            for raw in messages:
                typ, data = imap.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            imap.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        """UID -> the FLAGS the server holds."""
        imap = self.connect(folder)
        try:
            typ, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            result = {}
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else line[0].decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                result[uid] = text.split("FLAGS (", 1)[1].split(")", 1)[0]
            return result
        finally:
            imap.logout()

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _config(root: Path, port: int, as_root: bool) -> str:
    if as_root:
        internal = login = "nobody"
        mail_uid, mail_gid = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
        chroot_line = ""
    else:
        internal = login = getpass.getuser()
        mail_uid, mail_gid = str(os.getuid()), str(os.getgid())
        chroot_line = "  chroot =\n"
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {mail_uid}
mail_gid = {mail_gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{chroot_line}}}
service pop3-login {{
{chroot_line}}}
service submission-login {{
{chroot_line}}}
service anvil {{
{chroot_line}}}
service imap {{
  process_limit = 50
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


@contextlib.contextmanager
def dovecot_server(
    tmp_dir: Path | None = None, *, binary: str | None = None
) -> Iterator[DovecotServer]:
    """A running server, stopped and removed on exit. Its files live in a new directory under
    `tmp_dir` (default: the system's temporary directory), which must be reachable by other
    users when running as root: login and mail processes drop to `nobody`."""
    binary = binary or dovecot_or_skip()
    root = Path(tempfile.mkdtemp(prefix="dovecot-", dir=tmp_dir))
    try:
        with _run(binary, root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _run(binary: str, root: Path) -> Iterator[DovecotServer]:
    as_root = os.geteuid() == 0
    if as_root:
        root.chmod(0o711)
        if not os.access(root.parent, os.X_OK) or root.parent.stat().st_mode & 0o001 == 0:
            raise RuntimeError(f"{root.parent} must be searchable by other users for Dovecot")
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(exist_ok=True)
    if as_root:
        nobody = pwd.getpwnam("nobody")
        os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, as_root))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = DovecotServer("127.0.0.1", port, USER, PASSWORD, root, process)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                out = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"Dovecot exited ({process.returncode}): {out}\n{server.log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    if s.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Dovecot did not start on port {port}:\n{server.log}")
            time.sleep(0.05)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()
