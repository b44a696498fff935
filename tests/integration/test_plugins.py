"""Plugins as a group's developer makes them and an operator runs them.

The example plugin is copied out of the tree, built against the SDK that
`cmake --install --component sdk` puts in a temporary prefix (no Turnout
source on its include path), and loaded by the real daemon from its plugin
folder. The build happens once and is shared by the tests.

Run by ctest from tests/integration with TURNOUTD (the binary),
TURNOUT_SOURCE_DIR (the repository) and TURNOUT_BUILD_DIR (the CMake build
folder the binary came from, already built):
    python3 -m unittest -v test_plugins
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

import daemon
from daemon import Daemon

TURNOUTD = os.environ["TURNOUTD"]
SOURCE_DIR = os.environ["TURNOUT_SOURCE_DIR"]
BUILD_DIR = os.environ["TURNOUT_BUILD_DIR"]

COORDINATOR = "coordinator@example.org"  # the demo's coordinator
DAYS = 14  # the example's default window

_work = None  # the TemporaryDirectory holding the prefix and the plugin's build
_built = None  # the path of the built example.so, or the exception that stopped it


def tearDownModule():
    if _work is not None:
        _work.cleanup()


def run(args, cwd=None, timeout=120):
    """Runs a command to completion; returns the CompletedProcess (text)."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def must(args, cwd=None):
    proc = run(args, cwd=cwd)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def build_cache():
    """The build folder's CMakeCache.txt as {name: value}."""
    cache = {}
    with open(os.path.join(BUILD_DIR, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_.-]*):[A-Z_]+=(.*)$", line.rstrip("\n"))
            if m:
                cache[m.group(1)] = m.group(2)
    return cache


def built_example():
    """Installs the SDK to a temporary prefix, copies plugins/example out of
    the tree and builds it there the way docs/plugins.md says; returns the
    path of example.so. Built once; later calls return the same file."""
    global _work, _built
    if isinstance(_built, BaseException):
        raise AssertionError(f"the out-of-tree build failed earlier: {_built}")
    if _built:
        return _built
    try:
        _work = tempfile.TemporaryDirectory(prefix="turnout-plugins-")
        prefix = os.path.join(_work.name, "prefix")
        src = os.path.join(_work.name, "src")
        must(["cmake", "--install", BUILD_DIR, "--prefix", prefix, "--component", "sdk"])
        shutil.copytree(os.path.join(SOURCE_DIR, "plugins", "example"), src,
                        ignore=shutil.ignore_patterns("build", "build-*"))
        cache = build_cache()
        # The daemon compares a build fingerprint (compiler, library ABI,
        # Boost, SDK): build with what built the daemon.
        configure = ["cmake", "-S", src, "-B", os.path.join(src, "build"), "-G", "Ninja",
                     f"-DCMAKE_PREFIX_PATH={prefix}",
                     f"-DCMAKE_BUILD_TYPE={cache.get('CMAKE_BUILD_TYPE') or 'RelWithDebInfo'}"]
        if cache.get("CMAKE_CXX_COMPILER"):
            configure.append(f"-DCMAKE_CXX_COMPILER={cache['CMAKE_CXX_COMPILER']}")
        if cache.get("TURNOUT_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES"):
            # An AddressSanitizer daemon: build the plugin the same way.
            flags = "-fsanitize=address,undefined -fno-omit-frame-pointer"
            configure += [f"-DCMAKE_CXX_FLAGS={flags}",
                          "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined",
                          "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined"]
        must(configure)
        must(["cmake", "--build", os.path.join(src, "build")])
        path = os.path.join(src, "build", "example.so")
        if not os.path.isfile(path):
            raise AssertionError(f"the build made no {path}")
        _built = path
        return path
    except BaseException as e:
        _built = e
        raise


def exported_symbols(library):
    """(type letter, name) of every symbol the library defines for others."""
    out = must(["nm", "-D", "--defined-only", library]).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            symbols.append((parts[1], parts[2]))
    return symbols


def upcoming_titles(db, days=DAYS):
    """Titles of the meetings the example should list now: not cancelled,
    ending after now and starting within `days` days."""
    now = int(time.time())
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT title, status FROM meeting WHERE ends_at > ? AND starts_at < ? "
                            "ORDER BY starts_at", (now, now + days * 86400)).fetchall()
    finally:
        conn.close()
    return [title for title, status in rows if status != "cancelled"]


class PluginTestCase(unittest.TestCase):
    def new_daemon(self, extra_config=""):
        d = Daemon(prefix="turnout-plugins-", extra_config=extra_config)
        self.addCleanup(d.cleanup)
        os.makedirs(os.path.join(d.dir, "plugins"), exist_ok=True)
        return d

    def turnoutd(self, d, *args):
        """A CLI run against the daemon's config; returns the process, whatever its exit."""
        proc = subprocess.run([TURNOUTD, *args, "--config", d.config], capture_output=True, text=True,
                              cwd=d.dir, timeout=60)
        daemon.note_log(proc.stderr)
        return proc

    def stop(self, d):
        code, _ = d.stop()
        self.assertEqual(code, 0, f"SIGTERM did not end turnoutd cleanly: {d.log()}")

    def plugin_entry(self, client, name):
        res = client.get("/api/v1/plugins")
        self.assertEqual(res.status, 200, res)
        found = [p for p in res.json["items"] if p["name"] == name]
        self.assertEqual(len(found), 1, res.json)
        return found[0]


class AGroupsPlugin(PluginTestCase):
    def test_builds_out_of_tree_against_the_installed_sdk_and_the_daemon_serves_it(self):
        library = built_example()

        # Hidden visibility: of the plugin's own code, only the entry point is
        # exported. (The standard library's templates keep default
        # visibility, and the SDK's BOOST_SYMBOL_VISIBLE classes export their
        # type info and vtables: neither is the plugin's code.)
        symbols = exported_symbols(library)
        self.assertIn(("T", "turnout_plugin_v1_example"), symbols)
        own = [name for _, name in symbols
               if not re.match(r"_Z(GV)?Z?N?K?St|_ZT[ISV]St", name)  # std::
               and not re.match(r"_ZT[ISV]N7turnout6plugin", name)]  # SDK type info
        self.assertEqual(own, ["turnout_plugin_v1_example"], f"exported: {symbols}")

        proc = run([TURNOUTD, "plugins", "check", library], cwd=os.path.dirname(library))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertRegex(proc.stdout, r"(?m)^example\s+1\.0\.0\s+running\s")
        self.assertIn("provides: http_routes", proc.stdout)

        d = self.new_daemon()
        shutil.copy(library, os.path.join(d.dir, "plugins", "example.so"))
        d.cli("demo")
        token = d.create_token(COORDINATOR)
        d.start()
        client, anonymous = d.client(token), d.client()

        entry = self.plugin_entry(client, "example")
        self.assertEqual(entry["state"], "running", entry)
        self.assertEqual(entry["capabilities"], ["http_routes"])
        self.assertEqual(entry["version"], "1.0.0")
        self.assertEqual(entry["config_keys"], ["days"])
        self.assertEqual(entry["file"], "example.so")
        self.assertEqual(entry["reason"], "")

        res = client.get("/plugins/example/upcoming")
        self.assertEqual(res.status, 200, res)
        self.assertTrue(res.header("Content-Type").startswith("text/plain"), res.headers)
        text = res.body.decode("utf-8")
        expected = upcoming_titles(d.db)
        self.assertTrue(expected, "the demo should have meetings in the next two weeks")
        lines = text.splitlines()
        self.assertEqual(len(lines), len(expected), text)
        for line, title in zip(lines, expected):
            self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d  ")
            self.assertIn(title, line)

        res = anonymous.get("/plugins/example/upcoming")
        self.assertEqual(res.status, 401, res)
        self.assertEqual(res.header("Content-Type"), "application/json")
        self.assertEqual(res.error["code"], "unauthorized")

        res = client.get("/plugins/example/nope")
        self.assertEqual(res.status, 404, res)
        self.assertEqual(res.error["code"], "not_found")

        res = client.post("/plugins/example/upcoming")
        self.assertEqual(res.status, 405, res)
        self.assertEqual(res.error["code"], "method_not_allowed")

        self.stop(d)
        self.assertIn("plugin example stopped", d.log())

    def test_days_0_makes_start_fail_with_the_reason_and_the_daemon_keeps_serving(self):
        library = built_example()
        reason = "[plugin.example] days must be a whole number from 1 to 365"
        d = self.new_daemon(extra_config="[plugin.example]\ndays = 0\n")
        shutil.copy(library, os.path.join(d.dir, "plugins", "example.so"))

        proc = self.turnoutd(d, "plugins", "check", os.path.join(d.dir, "plugins", "example.so"))
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertRegex(proc.stdout, r"(?m)^example\s+1\.0\.0\s+failed\s")
        self.assertIn("why: " + reason, proc.stdout)
        self.assertIn(reason, proc.stderr)  # the log line too

        d.cli("demo")
        token = d.create_token(COORDINATOR)
        d.start()
        client = d.client(token)
        res = d.client().get("/healthz")
        self.assertEqual(res.status, 200, res)
        self.assertEqual(res.json["status"], "ok")

        entry = self.plugin_entry(client, "example")
        self.assertEqual(entry["state"], "failed", entry)
        self.assertEqual(entry["reason"], reason)
        self.assertIn(reason, d.log())
        # Nothing of it is left mounted.
        self.assertEqual(client.get("/plugins/example/upcoming").status, 404)
        self.assertEqual(client.get("/api/v1/meetings").status, 200)
        self.stop(d)

    def test_plugins_list_exits_1_when_a_library_in_the_folder_is_refused(self):
        library = built_example()
        d = self.new_daemon()
        folder = os.path.join(d.dir, "plugins")
        shutil.copy(library, os.path.join(folder, "example.so"))
        with open(os.path.join(folder, "broken.so"), "w") as f:
            f.write("this is a text file, not a library\n")

        proc = self.turnoutd(d, "plugins", "list")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertRegex(proc.stdout, r"(?m)^broken\s+-\s+refused\s+\S*broken\.so$")
        self.assertRegex(proc.stdout, r"(?m)^    why: cannot be loaded: .*broken\.so")
        self.assertRegex(proc.stdout, r"(?m)^example\s+1\.0\.0\s+running\s+\S*example\.so$")
        self.assertIn("broken.so", proc.stderr)  # logged with the file's name

        # Without the refused file the same folder passes.
        os.remove(os.path.join(folder, "broken.so"))
        proc = self.turnoutd(d, "plugins", "list")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertNotIn("broken", proc.stdout)

    def test_the_bundled_plugins_all_pass_plugins_check_as_an_operator_runs_it(self):
        # Checking starts each plugin without the daemon's services: every
        # registration (routes, channels, listeners, jobs, digests,
        # calendars) must still succeed, or an operator is told a sound
        # plugin is broken.
        folder = os.path.join(BUILD_DIR, "plugins")
        proc = run([TURNOUTD, "plugins", "list", "--plugins-dir", folder])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for name in ("email", "example", "ical", "sms"):
            self.assertRegex(proc.stdout, rf"(?m)^{name}\s+\S+\s+running\s+\S*{name}\.so$")
            check = run([TURNOUTD, "plugins", "check", os.path.join(folder, f"{name}.so")])
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)


if __name__ == "__main__":
    unittest.main()
