#!/usr/bin/env python3
"""The manual pages (docs/man/vmond.8, build/man/vmon.ini.5 from vmond --man-ini).

  man_pages.py lint PAGE...              groff -ww and man --warnings report nothing
  man_pages.py keys VMOND PLUGIN_DIR PAGE
      every plugin vmond --list-plugins finds: each key --describe prints (the core's of its
      kind and the plugin's own) is in the page, in its kind's section, with the same type,
      default (required, computed rule), range and help
  man_pages.py fixture VMOND FIXTURE_DIR ABI_FIXTURE_DIR
      a key added to a fixture plugin appears, roff specials intact; a refused plugin fails
"""
import os
import re
import subprocess
import sys
import tempfile

# What groff's utf8 device draws for the escapes the page uses: back to what one types.
GLYPHS = {"\u2212": "-", "\u2010": "-", "\u2019": "'", "\u2018": "`", "\u201c": '"', "\u201d": '"'}
MARKERS = (", range ", ", secret", ", one of ", ", exclusive")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def lint(pages):
    env = dict(os.environ, MANROFFSEQ="", MANWIDTH="80", LC_ALL="C.UTF-8")
    for page in pages:
        r = run(["groff", "-ww", "-z", "-man", page])
        if r.returncode or r.stderr:
            fail(f"groff -ww -z -man {page}: rc {r.returncode}\n{r.stderr}")
        r = run(["man", "--warnings", "-l", "-Tutf8", page], env=env)
        if r.returncode or r.stderr:
            fail(f"man --warnings -l {page}: rc {r.returncode}\n{r.stderr}")
        if "NAME" not in r.stdout:
            fail(f"{page}: renders without a NAME section")
    print(f"ok: {len(pages)} page(s) without warnings")


def render(page):
    """The page as text, one line per tag or paragraph (a wide line, no hyphenation)."""
    r = run(["groff", "-ww", "-man", "-Tutf8", "-rLL=400n", "-P-cbou", page],
            env=dict(os.environ, GROFF_NO_SGR="1"))
    if r.returncode or r.stderr:
        fail(f"groff {page}: rc {r.returncode}\n{r.stderr}")
    text = r.stdout
    for glyph, ascii_ in GLYPHS.items():
        text = text.replace(glyph, ascii_)
    return text.splitlines()


def blocks(lines):
    """{(section, subsection): [lines]}: .SH titles at column 0, .SS at 3."""
    out, sh, ss = {}, None, None
    for line in lines:
        if re.match(r"\S", line):
            sh, ss = line.strip(), None
        elif re.match(r" {3}\S", line):
            ss = line.strip()
        out.setdefault((sh, ss), []).append(line)
    return out


def entries(block):
    """{key: (tag line, help)} of the .TP entries in a block (tags at 7, help at 14)."""
    out, key = {}, None
    for line in block:
        m = re.match(r" {7}(\S+) \((\w+)\)", line)
        if m:
            key = m.group(1)
            out[key] = [line.strip(), ""]
        elif key and re.match(r" {14}\S", line):
            out[key][1] = (out[key][1] + " " + line.strip()).strip()
        elif not line.strip() or re.match(r" {0,6}\S", line):
            key = None
    return out


def describe_keys(vmond, plugin_dir, kind, name):
    """[(group, key, type, rest, help)]: group 'core' or 'plugin', rest what follows the type."""
    r = run([vmond, "--plugin-dir", plugin_dir, "--describe", f"{kind}:{name}"])
    if r.returncode:
        fail(f"--describe {kind}:{name}: rc {r.returncode}\n{r.stderr}")
    out, group, lines = [], None, r.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("keys every"):
            group = "core"
        elif line.startswith("keys of this plugin"):
            group = "plugin"
        m = re.match(r"  (\S+)\s+(\S+)(.*)$", line)
        if group and m and not line.startswith("   "):
            help_ = lines[i + 1].strip() if i + 1 < len(lines) else ""
            out.append((group, m.group(1), m.group(2), m.group(3), help_))
    return out


def expected_facts(rest):
    """The parts of --describe's text after the type the man page's tag line must hold."""
    rest = rest.strip()
    facts = []
    if rest.startswith("required"):
        facts.append("required")
        rest = rest[len("required"):]
    elif rest.startswith("default "):
        cut = min([rest.find(m) for m in MARKERS if rest.find(m) > 0] + [len(rest)])
        facts.append(rest[:cut])
        rest = rest[cut:]
    m = re.search(r", range (\S+)", rest)
    if m:
        facts.append("range " + m.group(1))
    if ", secret" in rest:
        facts.append("secret")
    m = re.search(r", one of (.*)$", rest)
    if m:
        facts.append("one of " + ", ".join(m.group(1).split()))
    return facts


def check_keys(vmond, plugin_dir, page):
    r = run([vmond, "--plugin-dir", plugin_dir, "--list-plugins"])
    if r.returncode:
        fail(f"--list-plugins: rc {r.returncode}\n{r.stdout}{r.stderr}")
    plugins = [line.split()[:2] for line in r.stdout.splitlines()[1:]
               if line and not line.startswith(" ")]
    if any(kind == "REFUSED" for kind, _ in plugins):
        fail(f"a plugin is refused:\n{r.stdout}")
    if len(plugins) < 5:
        fail(f"only {len(plugins)} plugins listed:\n{r.stdout}")
    parts = blocks(render(page))
    checked = 0
    for kind, name in plugins:
        section = f"[{kind}:NAME]"
        core = entries(parts.get((section, None), []))
        own_block = parts.get((section, f"plugin = {name}"))
        if own_block is None:
            fail(f"{page}: no 'plugin = {name}' under {section}")
        own = entries(own_block)
        for group, key, type_, rest, help_ in describe_keys(vmond, plugin_dir, kind, name):
            where = core if group == "core" else own
            if key not in where:
                fail(f"{page}: {section} {name}: no {group} key '{key}'")
            tag, man_help = where[key]
            if not tag.startswith(f"{key} ({type_})"):
                fail(f"{page}: '{key}': tag '{tag}' wants type {type_}")
            for fact in expected_facts(rest):
                if fact not in tag:
                    fail(f"{page}: {section} {name} '{key}': '{fact}' missing from '{tag}'")
            if " ".join(help_.split()) not in " ".join(man_help.split()):
                fail(f"{page}: '{key}': help '{help_}' not in '{man_help}'")
            checked += 1
    print(f"ok: {checked} keys of {len(plugins)} plugins in {page}")


def fixture(vmond, fixture_dir, abi_dir):
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "vmon.ini.5")
        r = run([vmond, "--plugin-dir", fixture_dir, "--man-ini"])
        if r.returncode or r.stderr:
            fail(f"--man-ini over {fixture_dir}: rc {r.returncode}\n{r.stderr}")
        with open(page, "w") as f:
            f.write(r.stdout)
        lint([page])
        parts = blocks(render(page))
        own = entries(parts.get(("[probe:NAME]", "plugin = manfixture"), []))
        want = {
            "man.added": ("man.added (string), default C:\\temp --x",
                          ".starts with a dot, has a back\\slash, 'quotes', \"double\", -- and "
                          "\u2264"),
            "man.level": ("man.level (enum), default 'quoted, one of low-ish, 'quoted",
                          "'starts with a quote"),
            "start": ("start (int), default 0", "first count"),
        }
        for key, (tag, help_) in want.items():
            if key not in own:
                fail(f"fixture key '{key}' missing: {sorted(own)}")
            if own[key] != [tag, help_]:
                fail(f"fixture key '{key}': got {own[key]}, want {[tag, help_]}")
        if "No plugin of this kind was found." not in "\n".join(parts.get(("[sink:NAME]", None),
                                                                              [])):
            fail("a kind without plugins does not say so")
    # A folder with a plugin the loader refuses: no page, the file named.
    r = run([vmond, "--plugin-dir", abi_dir, "--man-ini"])
    if r.returncode != 1 or "probe_badopt1.so refused" not in r.stderr:
        fail(f"--man-ini over refused plugins: rc {r.returncode}\n{r.stderr[:2000]}")
    print("ok: fixture keys appear, escaped; a refused plugin fails the page")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "lint":
        lint(args)
    elif cmd == "keys":
        check_keys(*args)
    elif cmd == "fixture":
        fixture(*args)
    else:
        fail(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
