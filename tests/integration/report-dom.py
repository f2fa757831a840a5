#!/usr/bin/env python3
"""report-dom.py PORT HTML PNG - render an HTML report in headless Chromium
through chromedriver (W3C WebDriver over HTTP, standard library only) and
print as JSON what the page shows: lang, title, the heading's period and
servers, every bar of the charts as laid out (its data attributes and its
rendered height in CSS pixels), and the text of every table cell. Saves a
screenshot of the whole page to PNG. Exit 1 when the browser cannot render.
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

PROBE = r"""
const q = (s) => Array.from(document.querySelectorAll(s));
const txt = (e) => e ? e.textContent.trim() : null;
return {
  lang: document.documentElement.lang,
  charset: document.characterSet,
  title: document.title,
  h1: txt(document.querySelector('h1')),
  from: txt(document.getElementById('tu-ngay')),
  to: txt(document.getElementById('den-ngay')),
  total: txt(document.getElementById('so-thu')),
  bad: txt(document.getElementById('so-dong-hong')),
  servers: q('#may-chu .server').map(e => [txt(e), e.dataset.records]),
  bars: q('section.agency').flatMap(s =>
    Array.from(s.querySelectorAll('rect.bar')).map(b => ({
      agency: s.dataset.agency, month: b.dataset.month,
      count: b.dataset.count,
      height: b.getBoundingClientRect().height,
      label: txt(b.nextElementSibling)}))),
  barMax: Number(document.getElementById('bieu-do').dataset.barMax),
  tables: Object.fromEntries(q('table').map(t => [t.id,
    Array.from(t.rows).map(r => Array.from(r.cells).map(c => txt(c)))])),
  scripts: q('script').length,
  external: q('[src],link[href]').length,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight,
};
"""


def call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                                 data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode())["value"]


def main():
    port, html, png = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    drv = subprocess.Popen(["chromedriver", "--port=" + port],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    sid = None
    try:
        for _ in range(100):  # until it answers, at most 10 s
            try:
                call(port, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox",
                         "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1200,900", "--lang=vi"]}}}}
        sid = call(port, "POST", "/session", caps)["sessionId"]
        call(port, "POST", "/session/%s/url" % sid,
             {"url": "file://" + html})
        shown = call(port, "POST", "/session/%s/execute/sync" % sid,
                     {"script": PROBE, "args": []})
        # the whole page in the screenshot
        call(port, "POST", "/session/%s/window/rect" % sid,
             {"width": max(1200, shown["width"] + 40),
              "height": min(8000, shown["height"] + 140)})
        shot = call(port, "GET", "/session/%s/screenshot" % sid)
        with open(png, "wb") as fp:
            fp.write(base64.b64decode(shot))
        json.dump(shown, sys.stdout, ensure_ascii=False, indent=1)
    finally:
        if sid is not None:
            try:
                call(port, "DELETE", "/session/" + sid)
            except OSError:
                pass
        drv.terminate()
        drv.wait(timeout=10)


main()
