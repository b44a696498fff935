"""The web UI as the daemon serves it, over real HTTP on loopback.

What the browser test (tests/browser) cannot see well: every UI answer's
security headers, caching with ETag and 304, content types, 404 and 405,
that the access log names page patterns and never the token in a path,
and the files themselves: both message catalogs hold the same keys, every
error code has a translation, and no page has inline script or style.

Run by ctest with TURNOUTD and TURNOUT_SOURCE_DIR set:
    python3 -m unittest -v test_web
"""

import json
import os
import re
import secrets
import unittest
from pathlib import Path

import daemon
from daemon import Daemon

WEB = Path(os.environ.get("TURNOUT_SOURCE_DIR", Path(__file__).resolve().parents[2])) / "host" / "web"

# Every kind of UI answer: pages, assets, a catalog, a missing file.
UI_PATHS = ["/app/", "/app/anything/deeper", "/signup/su_example", "/me/mg_example", "/ui/js/app.js",
            "/ui/css/turnout.css", "/ui/i18n/es.json", "/ui/favicon.svg", "/ui/no-such-file.js"]

ERROR_CODES = ["invalid", "malformed", "not_found", "full", "conflict", "closed", "forbidden", "unauthorized",
               "rate_limited", "too_large", "plugin_disabled"]


class Served(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(prefix="turnout-web-").start()
        cls.c = cls.d.client()

    @classmethod
    def tearDownClass(cls):
        code, _ = cls.d.stop()
        cls.d.cleanup()
        if code != 0:
            raise AssertionError(f"turnoutd did not stop cleanly: exit {code}")

    def test_the_root_sends_you_to_the_coordinators_app(self):
        for path in ("/", "/app"):
            res = self.c.get(path)
            self.assertEqual(res.status, 302, res)
            self.assertEqual(res.header("Location"), "/app/")

    def test_every_ui_answer_carries_a_strict_csp_nosniff_and_no_referrer(self):
        for path in UI_PATHS:
            with self.subTest(path=path):
                res = self.c.get(path)
                csp = res.header("Content-Security-Policy", "")
                for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                                  "frame-ancestors 'none'", "base-uri 'none'"):
                    self.assertIn(directive, csp)
                self.assertNotIn("unsafe-inline", csp)
                self.assertNotIn("unsafe-eval", csp)
                self.assertEqual(res.header("X-Content-Type-Options"), "nosniff")
                self.assertEqual(res.header("Referrer-Policy"), "no-referrer")

    def test_pages_are_the_embedded_files_with_their_content_types(self):
        cases = [("/app/", "app.html", "text/html; charset=utf-8"),
                 ("/app/meetings/3", "app.html", "text/html; charset=utf-8"),
                 ("/signup/su_whatever", "signup.html", "text/html; charset=utf-8"),
                 ("/me/mg_whatever", "me.html", "text/html; charset=utf-8"),
                 ("/ui/js/signup.js", "js/signup.js", "text/javascript; charset=utf-8"),
                 ("/ui/css/turnout.css", "css/turnout.css", "text/css; charset=utf-8"),
                 ("/ui/i18n/en.json", "i18n/en.json", "application/json; charset=utf-8"),
                 ("/ui/favicon.svg", "favicon.svg", "image/svg+xml")]
        for path, source, content_type in cases:
            with self.subTest(path=path):
                res = self.c.get(path)
                self.assertEqual(res.status, 200, res)
                self.assertEqual(res.header("Content-Type"), content_type)
                self.assertEqual(res.body, (WEB / source).read_bytes())

    def test_answers_are_no_cache_with_a_strong_etag_and_304_while_unchanged(self):
        for path in ("/app/", "/ui/js/app.js"):
            with self.subTest(path=path):
                res = self.c.get(path)
                etag = res.header("ETag")
                self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
                self.assertEqual(res.header("Cache-Control"), "no-cache")
                again = self.c.get(path, headers={"If-None-Match": etag})
                self.assertEqual(again.status, 304, again)
                self.assertEqual(again.body, b"")
                self.assertEqual(again.header("ETag"), etag)
                self.assertEqual(self.c.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status, 304)
                self.assertEqual(self.c.get(path, headers={"If-None-Match": '"0000"'}).status, 200)
        # one file, one ETag, wherever it is served from
        self.assertEqual(self.c.get("/signup/a").header("ETag"), self.c.get("/signup/b").header("ETag"))
        self.assertNotEqual(self.c.get("/signup/a").header("ETag"), self.c.get("/app/").header("ETag"))

    def test_head_answers_the_headers_without_the_body(self):
        get = self.c.get("/app/")
        head = self.c.request("HEAD", "/app/")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.header("Content-Length"), get.header("Content-Length"))

    def test_an_unknown_file_is_404_and_other_methods_are_405(self):
        for path in ("/ui/no-such-file.js", "/ui/", "/ui/../app.html", "/ui/js/../app.html", "/ui/%2e%2e/app.html"):
            with self.subTest(path=path):
                self.assertEqual(self.c.get(path).status, 404)
        # a page path with more segments is not the page; the API answers 404
        for path in ("/signup/", "/signup/a/b", "/me/a/b", "/nothing-here"):
            with self.subTest(path=path):
                res = self.c.get(path)
                self.assertEqual(res.status, 404, res)
                self.assertEqual(res.json["error"]["code"], "not_found")
        for method in ("POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                res = self.c.request(method, "/app/", body={})
                self.assertEqual(res.status, 405)
                self.assertEqual(res.header("Allow"), "GET, HEAD")

    def test_the_access_log_names_page_patterns_and_never_the_token_in_a_path(self):
        signup, manage = "su_" + secrets.token_urlsafe(32), "mg_" + secrets.token_urlsafe(32)
        feed = "fd_" + secrets.token_urlsafe(32)
        daemon.note_secret(signup, manage, feed)
        for path in (f"/signup/{signup}", f"/me/{manage}", f"/feeds/volunteers/{feed}.ics",
                     f"/api/v1/public/me/{manage}", f"/api/v1/public/signup/{signup}", f"/signup/{signup}?x={manage}"):
            self.c.get(path)
        log = self.d.log()
        for token in (signup, manage, feed):
            self.assertNotIn(token, log)
        self.assertIn("GET /signup/{token} 200", log)
        self.assertIn("GET /me/{token} 200", log)
        self.assertIn("GET /api/v1/public/me/{token} 404", log)


class Files(unittest.TestCase):
    """The UI's source files in host/web, as they are embedded."""

    def catalogs(self):
        return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((WEB / "i18n").glob("*.json"))}

    def test_english_and_spanish_catalogs_have_the_same_keys_and_no_empty_message(self):
        cats = self.catalogs()
        self.assertEqual(set(cats), {"en", "es"})
        self.assertEqual(sorted(set(cats["en"]) - set(cats["es"])), [], "keys Spanish lacks")
        self.assertEqual(sorted(set(cats["es"]) - set(cats["en"])), [], "keys English lacks")
        for lang, cat in cats.items():
            self.assertEqual([k for k, v in cat.items() if not isinstance(v, str) or not v.strip()], [], lang)

    def test_placeholders_match_between_languages(self):
        cats = self.catalogs()
        for key, text in cats["en"].items():
            with self.subTest(key=key):
                self.assertEqual(sorted(re.findall(r"\{(\w+)\}", text)), sorted(re.findall(r"\{(\w+)\}", cats["es"][key])))

    def test_every_api_error_code_has_a_message_in_each_language(self):
        for lang, cat in self.catalogs().items():
            self.assertEqual([c for c in ERROR_CODES if f"error.{c}" not in cat], [], lang)

    def test_every_error_code_the_page_script_translates_has_a_message(self):
        js = (WEB / "js" / "i18n.js").read_text(encoding="utf-8")
        listed = re.search(r"export const ERROR_CODES = \[([^\]]*)\]", js)
        self.assertIsNotNone(listed, "i18n.js lists the error codes it translates")
        codes = re.findall(r"'([a-z_]+)'", listed.group(1))
        self.assertEqual(sorted(set(codes) - set(ERROR_CODES)), [], "codes i18n.js knows that this test does not")
        for lang, cat in self.catalogs().items():
            self.assertEqual([c for c in codes if f"error.{c}" not in cat], [], lang)

    def test_every_key_the_code_names_is_in_the_catalog(self):
        en = self.catalogs()["en"]
        used = set()
        for path in list(WEB.glob("js/*.js")) + list(WEB.glob("*.html")):
            text = path.read_text(encoding="utf-8")
            used |= set(re.findall(r"\bt\('([a-z_.0-9]+)'", text))
            used |= set(re.findall(r"\bpage\('([a-z_.0-9]+)'", text))
            used |= set(re.findall(r'data-i18n="([^"]+)"', text))
            used |= {pair.split(":")[1] for attr in re.findall(r'data-i18n-attr="([^"]+)"', text) for pair in attr.split(";")}
        self.assertGreater(len(used), 100)
        self.assertEqual(sorted(used - set(en)), [])

    def test_no_page_has_inline_script_style_or_event_handlers(self):
        for path in WEB.glob("*.html"):
            with self.subTest(page=path.name):
                html = path.read_text(encoding="utf-8")
                self.assertEqual(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html), [])
                self.assertNotIn("<style", html)
                self.assertIsNone(re.search(r"\sstyle\s*=", html))
                self.assertIsNone(re.search(r"\son[a-z]+\s*=", html))
                self.assertIsNone(re.search(r"(src|href)=\"(https?:)?//", html), "nothing from another origin")

    def test_scripts_never_write_markup_from_strings(self):
        for path in WEB.glob("js/*.js"):
            with self.subTest(script=path.name):
                # the code, without its comments (which may name what it avoids)
                js = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                               if not line.lstrip().startswith("//"))
                for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                             ".style."):
                    self.assertFalse(sink in js, f"{path.name} uses {sink}")


if __name__ == "__main__":
    unittest.main()
