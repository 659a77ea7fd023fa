#!/usr/bin/env python3
"""Turns the guest log of bench/guest.sh into results JSON and a Markdown table.

    bench/report.py LOG OUT_DIR NAME MACHINE

Writes OUT_DIR/NAME.json and OUT_DIR/NAME.md, prints the Markdown, and ends with
"bench: N passed, M failed" (N = programs that completed). Every figure is a median over rounds
(or calls) with min and max; ratios compare peers measured in the same guest, alternating.
If OUT_DIR/analysis.md exists it is appended to the Markdown (why a target is missed).
"""
import datetime
import json
import os
import re
import statistics
import sys

# What bench/guest.sh runs; one missing from the log (a guest crash) counts as failed.
EXPECTED = ["lvm_seed", "lvm_seed_pvs", "pool_status", "hot_paths", "dm_status", "blockdev",
            "config"]
# The least a setup with the seed's end state writes to a 4 GiB PV (bench/lvm_floor.sh, peer
# "three": vgcreate, one lvcreate --type thin-pool, lvchange --metadataprofile).
FLOOR_WRITE_KIB = 905

# Programs whose exit code 2 means "completed, its own target missed".
TARGET_RC = {"dm_status": 2}


def parse(log_text):
    programs, guest, current = {}, [], None
    for line in log_text.splitlines():
        if line.startswith("=== GUEST "):
            guest.append(line[len("=== GUEST "):])
        elif line.startswith("=== BEGIN "):
            current = line.split()[2]
            programs[current] = {"rc": None, "ms": None, "records": [], "text": []}
        elif line.startswith("=== END ") and current:
            m = re.match(r"=== END (\S+) rc=(\d+) ms=(\d+)", line)
            if m:
                programs[current]["rc"] = int(m.group(2))
                programs[current]["ms"] = int(m.group(3))
            current = None
        elif current:
            if line.startswith("JSON "):
                programs[current]["records"].append(json.loads(line[5:]))
            else:
                programs[current]["text"].append(line)
    return programs, guest


def completed(name, prog):
    ok_codes = {0, TARGET_RC.get(name, 0)}
    return prog["rc"] in ok_codes


def summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt_range(s, scale=1.0, digits=2, unit=""):
    if s is None:
        return "-"
    f = lambda v: f"{v * scale:.{digits}f}"
    return f"{f(s['median'])}{unit} ({f(s['min'])}-{f(s['max'])})"


def setup_summaries(records):
    """One entry per (foreign, pvs, peer) with medians and ratios against lvmkit."""
    by_config = {}
    for r in records:
        by_config.setdefault((r["foreign"], r["pvs"]), []).append(r)
    out = []
    for (foreign, pvs), rows in sorted(by_config.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        base = {r["round"]: r for r in rows if r["peer"] == "lvmkit"}
        shell = {r["round"]: r for r in rows if r["peer"] == "shell"}
        for peer in ("lvmkit", "cli", "manual", "shell"):
            mine = [r for r in rows if r["peer"] == peer]
            if not mine:
                continue
            ratios = [r["wall_s"] / base[r["round"]]["wall_s"] for r in mine if r["round"] in base]
            out.append({
                "foreign": foreign, "foreign_labelled": mine[0]["foreign_labelled"],
                "pvs": pvs, "peer": peer, "rounds": len(mine),
                "processes": mine[0]["processes"],
                "wall_s": summary([r["wall_s"] for r in mine]),
                "cpu_s": summary([r["cpu_s"] for r in mine]),
                "maxrss_kib": summary([r["maxrss_kib"] for r in mine]),
                "pv_reads": summary([r["pv_reads"] for r in mine]),
                "pv_read_kib": summary([r["pv_read_kib"] for r in mine]),
                "pv_writes": summary([r["pv_writes"] for r in mine]),
                "pv_write_kib": summary([r["pv_write_kib"] for r in mine]),
                "ratio_to_lvmkit": summary(ratios),
                # The shell's time over this peer's, round by round (> 1: this peer is faster).
                "shell_over_peer": summary([shell[r["round"]]["wall_s"] / r["wall_s"]
                                            for r in mine if r["round"] in shell]),
            })
    return out


def find(entries, **keys):
    for e in entries:
        if all(e.get(k) == v for k, v in keys.items()):
            return e
    return None


def targets(setup, status):
    out = []

    def add(name, value, goal, met, detail):
        out.append({"target": name, "value": value, "goal": goal, "met": met, "detail": detail})

    lv = find(setup, foreign=0, pvs=1, peer="lvmkit")
    for peer, goal in (("manual", 5.0), ("shell", 1.5)):
        p = find(setup, foreign=0, pvs=1, peer=peer)
        if lv and p:
            # The paired ratio (same round, same host load) is the figure; medians beside it.
            ratio = p["ratio_to_lvmkit"]["median"]
            met = ratio >= goal
            add(f"setup faster than {peer}", ratio, goal, met,
                f"median of per-round ratios; medians {peer} {p['wall_s']['median']:.2f} s, "
                f"lvmkit {lv['wall_s']['median']:.2f} s")
    cli = find(setup, foreign=0, pvs=1, peer="cli")
    shell = find(setup, foreign=0, pvs=1, peer="shell")
    if cli and shell and cli["shell_over_peer"]:
        ratio = cli["shell_over_peer"]["median"]
        add("CLI setup at least the lvm shell's speed", ratio, 1.0, ratio >= 1.0,
            f"median of per-round ratios shell / cli; medians shell {shell['wall_s']['median']:.2f} s, "
            f"cli {cli['wall_s']['median']:.2f} s")
    usage = find(status, foreign=0, peer="lvmkit_usage")
    lvs = find(status, foreign=0, peer="lvs")
    if usage and lvs:
        ratio = lvs["median_s"] / usage["median_s"]
        add("status faster than lvs", ratio, 100.0, ratio >= 100.0,
            f"lvs {lvs['median_s'] * 1e3:.1f} ms / lvmkit {usage['median_s'] * 1e6:.1f} us")
    most = max((e["foreign"] for e in setup if e["pvs"] == 1 and e["peer"] == "lvmkit"), default=0)
    far = find(setup, foreign=most, pvs=1, peer="lvmkit")
    if lv and far and most > 0:
        ratio = far["wall_s"]["median"] / lv["wall_s"]["median"]
        add(f"lvmkit setup with {most} foreign devices vs none", ratio, 1.25, ratio <= 1.25,
            f"{far['wall_s']['median']:.2f} s / {lv['wall_s']['median']:.2f} s")
    return out


def hot_targets(peers, ratios):
    """Issue 27's goals from bench-hot_paths: medians of per-round ratios."""
    out = []
    for name, goal, better in (("lvs / cli_setup", 3.0, "ge"), ("lvs / cli_status", 3.0, "ge"),
                               ("cli_setup / dmsetup", 1.5, "le"),
                               ("cli_status / dmsetup", 1.5, "le"),
                               ("lvs / lib_check", 100.0, "ge")):
        r = ratios.get(name)
        if r:
            met = r["median"] >= goal if better == "ge" else r["median"] <= goal
            out.append({"target": name, "value": r["median"], "goal": goal, "better": better,
                        "met": met, "detail": f"{r['min']:.2f}-{r['max']:.2f}x over rounds"})
    return out


def hot_markdown(result):
    peers, ratios = result.get("hot_peers", []), result.get("hot_ratios", {})
    if not peers:
        return []
    lines = ["", "## Hot paths: the boot re-run and status (issue 27)", "",
             "Processes alternating in each round; library calls in-process (median of the round's "
             "calls).", "", "| target | measured (median of per-round ratios) | goal | met |",
             "|---|---|---|---|"]
    for t in result.get("hot_targets", []):
        goal = (">= " if t["better"] == "ge" else "<= ") + f"{t['goal']}x"
        lines.append(f"| {t['target']} | {t['value']:.2f}x ({t['detail']}) | {goal} | "
                     f"{'met' if t['met'] else 'MISSED'} |")
    lines += ["", "| peer | wall ms, median (min-max) | CPU ms | peak RSS MiB |", "|---|---|---|---|"]
    for e in peers:
        cpu = f"{e['cpu_s'] * 1e3:.0f}" if "cpu_s" in e else "-"
        rss = f"{e['rss_mib']:.1f}" if "rss_mib" in e else "-"
        lines.append(f"| {e['peer']} | {e['median_s'] * 1e3:.2f} ({e['min_s'] * 1e3:.2f}-"
                     f"{e['max_s'] * 1e3:.2f}) | {cpu} | {rss} |")
    lines += ["", "| ratio | median (min-max) |", "|---|---|"]
    for name, r in sorted(ratios.items()):
        lines.append(f"| {name} | {r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f}) |")
    return lines


def markdown(result, analysis):
    lines = [f"# lvmkit benchmarks ({result['mode']})", "",
             f"Measured {result['date']} on {result['machine']}; guest: "
             + "; ".join(result["guest"]) + ".",
             "Figures: median (min-max) over rounds; ratio = peer / lvmkit in the same round.", ""]
    lines += ["## Targets", "", "| target | measured | goal | met |", "|---|---|---|---|"]
    for t in result["targets"]:
        goal = f"<= {t['goal']}x" if "foreign" in t["target"] else f">= {t['goal']}x"
        lines.append(f"| {t['target']} | {t['value']:.2f}x ({t['detail']}) | {goal} | "
                     f"{'met' if t['met'] else 'MISSED'} |")
    lines += ["", "## Setup, end to end (seed steps + profile + daemon.json)", "",
              "| foreign devs (labelled) | PVs | peer | procs | wall s | ratio | CPU s | "
              "peak RSS MiB | PV reads (KiB) | PV writes (KiB) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for e in result["setup"]:
        lines.append(
            f"| {e['foreign']} ({e['foreign_labelled']}) | {e['pvs']} | {e['peer']} | "
            f"{e['processes']} | {fmt_range(e['wall_s'])} | {fmt_range(e['ratio_to_lvmkit'])}x | "
            f"{fmt_range(e['cpu_s'])} | {fmt_range(e['maxrss_kib'], 1 / 1024, 1)} | "
            f"{e['pv_reads']['median']:.0f} ({e['pv_read_kib']['median']:.0f}) | "
            f"{e['pv_writes']['median']:.0f} ({e['pv_write_kib']['median']:.0f}) |")
    lines += ["", "### Writes to the PV against the floor", "",
              f"Floor: {FLOOR_WRITE_KIB} KiB, what the fewest LVM commands for the seed's end state "
              "write to the PV (`vgcreate` + one `lvcreate --type thin-pool` + `lvchange "
              "--metadataprofile`, metadata zeroed only in its first 4 KiB; `bench/lvm_floor.sh`). "
              "One PV, no foreign devices.", "",
              "| peer | PV writes (KiB) | against the floor |", "|---|---|---|"]
    for e in result["setup"]:
        if e["foreign"] == 0 and e["pvs"] == 1:
            kib = e["pv_write_kib"]["median"]
            lines.append(f"| {e['peer']} | {kib:.0f} | {kib / FLOOR_WRITE_KIB:.2f}x |")
    lines += ["", "## Status of one pool", "",
              "| foreign devs (labelled) | peer | calls | per call | ratio to lvmkit_usage |",
              "|---|---|---|---|---|"]
    for e in result["status"]:
        base = find(result["status"], foreign=e["foreign"], peer="lvmkit_usage")
        ratio = e["median_s"] / base["median_s"] if base else float("nan")
        lines.append(f"| {e['foreign']} ({e['foreign_labelled']}) | {e['peer']} | {e['calls']} | "
                     f"{e['median_s'] * 1e3:.3f} ms ({e['min_s'] * 1e3:.3f}-"
                     f"{e['max_s'] * 1e3:.3f}) | {ratio:.0f}x |")
    lines += hot_markdown(result)
    lines += ["", "## Programs", "", "| program | exit | guest s |", "|---|---|---|"]
    for name, p in result["programs"].items():
        secs = f"{p['ms'] / 1000:.0f}" if p["ms"] is not None else "-"
        lines.append(f"| {name} | {p['rc']} | {secs} |")
    for name in ("dm_status", "blockdev", "config"):
        text = result["programs"].get(name, {}).get("text")
        if text:
            lines += ["", f"### bench-{name}", "", "```", *text, "```"]
    if analysis:
        lines += ["", analysis.strip()]
    return "\n".join(lines) + "\n"


def main():
    log, out_dir, name, machine = sys.argv[1:5]
    with open(log, encoding="utf-8", errors="replace") as f:
        programs, guest = parse(f.read())
    records = [r for p in programs.values() for r in p["records"]]
    setup = setup_summaries([r for r in records if r["bench"] == "setup"])
    status = [r for r in records if r["bench"] == "status"]
    hot_peers = [r for r in records if r["bench"] == "hot_paths"]
    hot_ratios = {r["ratio"]: r for r in records if r["bench"] == "hot_paths_ratio"}
    result = {
        "mode": name, "machine": machine,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "guest": guest, "setup": setup, "status": status, "targets": targets(setup, status),
        "hot_peers": hot_peers, "hot_ratios": hot_ratios,
        "hot_targets": hot_targets(hot_peers, hot_ratios),
        "programs": {n: {"rc": p["rc"], "ms": p["ms"], "completed": completed(n, p),
                         "text": [t for t in p["text"] if not t.startswith("JSON ")]}
                     for n, p in programs.items()},
        "records": records,
    }
    analysis_path = os.path.join(out_dir, "analysis.md")
    analysis = open(analysis_path).read() if os.path.exists(analysis_path) else ""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(result, f, indent=1)
    md = markdown(result, analysis)
    with open(os.path.join(out_dir, name + ".md"), "w") as f:
        f.write(md)
    print(md)
    for n, p in programs.items():
        if not completed(n, p):
            print(f"bench: {n} did not complete (exit {p['rc']}):")
            print("\n".join("  " + t for t in p["text"][-15:]))
    missing = [n for n in EXPECTED if n not in programs]
    for n in missing:
        print(f"bench: {n} never ran (the guest stopped before it)")
    passed = sum(1 for n, p in programs.items() if completed(n, p))
    failed = len(programs) - passed + len(missing)
    print(f"bench: {passed} passed, {failed} failed")
    return 0 if failed == 0 and programs else 1


if __name__ == "__main__":
    sys.exit(main())
