#!/usr/bin/python3
"""Packaging test (CTest `teams_app_package`): builds the Teams app package with
deploy/teams/package.cmake (what the `teams-app-package` target runs) into a temporary
directory and checks what Teams checks on "Upload a custom app": the zip holds manifest.json,
color.png and outline.png at its root; the manifest has the required fields, schema 1.22 or
later, the bot id given, and command titles that are real releasebot commands; the colour icon
is 192x192, the outline icon 32x32 and white on transparent. Also: the committed icons are what
make_icons.py draws, and a package without an app id is refused with a message saying how.

Usage: check_teams_package.py <source dir> <cmake executable>
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

APP_ID = "4f9c1a2e-7b3d-4e8a-9c0f-1234567890ab"
HOST = "releasebot.example.com"

failures = []


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    failures.append(what)


def check(condition, what):
    if not condition:
        fail(what)


def png_pixels(data):
    """(width, height, color type, rows of bytes) of an 8-bit non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color_type, _, _, interlace = ihdr
    if depth != 8 or interlace != 0:
        raise ValueError("only 8-bit non-interlaced PNGs are checked")
    bpp = {2: 3, 6: 4, 0: 1, 4: 2}[color_type]
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 0xFF
            elif kind == 2:
                cur[i] = (cur[i] + b) & 0xFF
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (cur[i] + pred) & 0xFF
        rows.append(bytes(cur))
        previous = cur
    return width, height, color_type, rows


def command_names(source):
    names = set()
    for entry in os.listdir(os.path.join(source, "commands")):
        if entry.endswith(".cpp"):
            with open(os.path.join(source, "commands", entry), encoding="utf-8") as f:
                names.update(re.findall(r'\.name = "([^"]+)"', f.read()))
    return names


def check_manifest(m, source):
    for field in ("$schema", "manifestVersion", "version", "id", "developer", "name",
                  "description", "icons", "accentColor", "bots"):
        check(field in m, "manifest: no " + field)
    schema = re.search(r"/teams/v1\.(\d+)/MicrosoftTeams\.schema\.json$", m.get("$schema", ""))
    check(schema is not None, "manifest: $schema is not a Teams manifest schema")
    if schema:
        check(int(schema.group(1)) >= 22, "manifest: schema older than 1.22")
        check(m.get("manifestVersion") == "1." + schema.group(1),
              "manifest: manifestVersion differs from the $schema's version")
    check(re.fullmatch(r"\d+\.\d+\.\d+", m.get("version", "")) is not None,
          "manifest: version is not MAJOR.MINOR.PATCH")
    check(m.get("id") == APP_ID, "manifest: id is not the app id given")
    dev = m.get("developer", {})
    for url in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        check(dev.get(url, "").startswith("https://"), "manifest: developer." + url + " not https")
    check(0 < len(dev.get("name", "")) <= 32, "manifest: developer.name")
    check(0 < len(m.get("name", {}).get("short", "")) <= 30, "manifest: name.short (<= 30)")
    check(len(m.get("name", {}).get("full", "")) <= 100, "manifest: name.full (<= 100)")
    check(0 < len(m.get("description", {}).get("short", "")) <= 80,
          "manifest: description.short (<= 80)")
    check(0 < len(m.get("description", {}).get("full", "")) <= 4000,
          "manifest: description.full (<= 4000)")
    check(m.get("icons") == {"color": "color.png", "outline": "outline.png"}, "manifest: icons")
    check(re.fullmatch(r"#[0-9A-Fa-f]{6}", m.get("accentColor", "")) is not None,
          "manifest: accentColor is not #RRGGBB")
    check(HOST in m.get("validDomains", []), "manifest: validDomains lacks the host given")
    check("@" not in json.dumps({k: v for k, v in m.items() if k != "$schema"}).replace(
        "@releasebot", ""), "manifest: a placeholder was left unfilled")

    bots = m.get("bots", [])
    check(len(bots) == 1, "manifest: one bot expected")
    if not bots:
        return
    bot = bots[0]
    check(bot.get("botId") == APP_ID, "manifest: botId is not the app id given")
    check(set(bot.get("scopes", [])) == {"personal", "team", "groupChat"},
          "manifest: bot scopes are not personal, team and groupChat")
    known = command_names(source)
    titles = set()
    for cl in bot.get("commandLists", []):
        commands = cl.get("commands", [])
        check(0 < len(commands) <= 10, "manifest: a command list has 1 to 10 commands")
        check(set(cl.get("scopes", [])) <= set(bot.get("scopes", [])),
              "manifest: a command list's scopes are not the bot's")
        for c in commands:
            title, desc = c.get("title", ""), c.get("description", "")
            titles.add(title)
            check(0 < len(title) <= 32, "manifest: command title " + repr(title) + " (<= 32)")
            check(0 < len(desc) <= 128, "manifest: description of " + title + " (<= 128)")
            check(title in known, "manifest: " + repr(title) + " is not a releasebot command")
    check("help" in titles, "manifest: no help command")


def check_icons(color, outline):
    w, h, ct, _ = png_pixels(color)
    check((w, h) == (192, 192), "color.png is %dx%d, not 192x192" % (w, h))
    check(ct in (2, 6), "color.png is not a colour image")
    w, h, ct, rows = png_pixels(outline)
    check((w, h) == (32, 32), "outline.png is %dx%d, not 32x32" % (w, h))
    check(ct == 6, "outline.png has no alpha channel")
    if ct == 6:
        alphas = [r[i + 3] for r in rows for i in range(0, len(r), 4)]
        check(any(a == 0 for a in alphas), "outline.png has no transparent background")
        check(any(a == 255 for a in alphas), "outline.png draws nothing")
        not_white = sum(1 for r in rows for i in range(0, len(r), 4)
                        if r[i + 3] and r[i:i + 3] != b"\xff\xff\xff")
        check(not_white == 0, "outline.png has %d pixels that are not white" % not_white)


def main():
    source, cmake = sys.argv[1], sys.argv[2]
    script = os.path.join(source, "deploy", "teams", "package.cmake")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELEASEBOT_TEAMS_")}
    with tempfile.TemporaryDirectory(prefix="releasebot-teams-") as tmp:
        # The package, as the target builds it (the id given in capitals, as Azure shows some).
        r = subprocess.run([cmake, "-DAPP_ID=" + APP_ID.upper(), "-DHOST=" + HOST,
                            "-DVERSION=1.2.3", "-DOUTPUT_DIR=" + tmp, "-P", script],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout + r.stderr, file=sys.stderr)
            return 1
        with zipfile.ZipFile(os.path.join(tmp, "releasebot-teams.zip")) as z:
            names = sorted(z.namelist())
            check(names == ["color.png", "manifest.json", "outline.png"],
                  "zip members are %s" % names)
            m = json.loads(z.read("manifest.json").decode("utf-8"))
            check_manifest(m, source)
            check(m.get("version") == "1.2.3", "manifest: version is not the one given")
            check_icons(z.read("color.png"), z.read("outline.png"))

        # The id may also come from the environment, as for `releasebot serve`.
        env_id = dict(env, RELEASEBOT_TEAMS_APP_ID=APP_ID)
        out = os.path.join(tmp, "from-env")
        r = subprocess.run([cmake, "-DOUTPUT_DIR=" + out, "-P", script], env=env_id,
                           capture_output=True, text=True)
        check(r.returncode == 0, "package with RELEASEBOT_TEAMS_APP_ID from the environment")
        if r.returncode == 0:
            with zipfile.ZipFile(os.path.join(out, "releasebot-teams.zip")) as z:
                check(json.loads(z.read("manifest.json"))["bots"][0]["botId"] == APP_ID,
                      "botId from the environment")

        # No id, or not a GUID: refused, saying what to set.
        r = subprocess.run([cmake, "-DOUTPUT_DIR=" + tmp + "/none", "-P", script], env=env,
                           capture_output=True, text=True)
        check(r.returncode != 0, "a package without an app id was built")
        check("RELEASEBOT_TEAMS_APP_ID" in r.stderr, "the refusal does not name the setting")
        r = subprocess.run([cmake, "-DAPP_ID=releasebot", "-DOUTPUT_DIR=" + tmp + "/bad", "-P",
                            script], env=env, capture_output=True, text=True)
        check(r.returncode != 0 and "is not a Microsoft App ID" in r.stderr,
              "an app id that is not a GUID was accepted")

        # The committed icons are what the script draws.
        drawn = os.path.join(tmp, "icons")
        subprocess.run([sys.executable, os.path.join(source, "deploy", "teams", "make_icons.py"),
                        drawn], check=True)
        for icon in ("color.png", "outline.png"):
            with open(os.path.join(drawn, icon), "rb") as a, \
                 open(os.path.join(source, "deploy", "teams", icon), "rb") as b:
                check(a.read() == b.read(),
                      icon + " differs from what make_icons.py draws; run it and commit")

    if failures:
        print("%d Teams package check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("Teams app package ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
