// The versions overlay: what the author changed since the version this reviewer last
// saw, and between any two versions the device knows, with the conflicts view's word diff.
// The versions and the one last seen come from Rust (`detail.versions`,
// `detail.seen_version`); this only chooses which two to show and draws the difference.
import { h } from "../dom.js";
import { wordDiff } from "../diff.js";

/**
 * The pair shown first, as version numbers `{from, to, seen}`: to the current version
 * from the one last seen — or, when that one is no longer known (trimmed history), the
 * oldest known; when the draft was never opened before, from the version before the
 * current one. `seen` tells the lede what happened: "changed", "unchanged", "trimmed",
 * "never" or "only" (a single version: nothing to compare).
 */
export function initialPair(versions, seenVersion) {
  const known = (versions ?? []).map((v) => v.version);
  const to = known.at(-1) ?? null;
  if (known.length < 2) return { from: to, to, seen: "only" };
  if (!Number.isFinite(seenVersion)) return { from: known.at(-2), to, seen: "never" };
  if (seenVersion >= to) return { from: to, to, seen: "unchanged" };
  if (known.includes(seenVersion)) return { from: seenVersion, to, seen: "changed" };
  return { from: known[0], to, seen: "trimmed" };
}

/** The lede over the diff, for a person. */
export function ledeText(pair, seenVersion) {
  switch (pair.seen) {
    case "changed":
      return `What changed since you last saw it (version ${seenVersion}).`;
    case "unchanged":
      return `Nothing changed since you last saw it (version ${seenVersion}). Pick two versions to compare.`;
    case "trimmed":
      return `You last saw version ${seenVersion}; this device no longer has it, so this starts at the oldest it has (version ${pair.from}).`;
    case "never":
      return "You have not seen an earlier version: this compares the previous version with the current one.";
    default:
      return "This draft has only one version so far.";
  }
}

/** "3 changes" — how many separate edits the diff holds. */
export function changeCount(diff) {
  const n = diff.filter((p, i) => p.op !== "equal" && (i === 0 || diff[i - 1].op === "equal")).length;
  return n === 0 ? "No changes" : n === 1 ? "1 change" : `${n} changes`;
}

function bodyOf(versions, version) {
  return versions.find((v) => v.version === version)?.body ?? "";
}

function versionSelect(id, label, versions, chosen, current, seenVersion) {
  return h("label", { class: "versions-pick", for: id },
    h("span", {}, label),
    // The first select takes the focus when the overlay opens, so arrow keys pick at once.
    h("select", { id, testid: id, dataset: { versionPick: id }, autofocus: id === "versions-from" },
      versions.map((v) => h("option", { value: String(v.version), selected: v.version === chosen },
        `Version ${v.version}${v.version === current ? " (current)" : ""}${v.version === seenVersion ? " (you last saw)" : ""}`))));
}

/** The diff of two versions, inline: removed words struck out, added words underlined. */
export function versionDiff(versions, from, to) {
  const diff = wordDiff(bodyOf(versions, from), bodyOf(versions, to));
  return h("div", { class: "versions-diff-wrap" },
    h("p", { class: "muted small", testid: "versions-count" }, changeCount(diff)),
    h("div", { class: "diff-text versions-diff", testid: "versions-diff" },
      diff.map((p) => (p.op === "equal" ? p.text : h(p.op === "insert" ? "ins" : "del", {}, p.text)))));
}

/**
 * Fills the overlay's panel for `detail`; choosing other versions redraws the diff (the
 * panel listens to its own selects, so nothing else needs to know).
 */
export function buildVersions(panel, detail) {
  const versions = detail.versions ?? [];
  const seenVersion = Number.isFinite(detail.seen_version) ? detail.seen_version : null;
  const pair = initialPair(versions, seenVersion);
  const current = versions.at(-1)?.version ?? null;
  const holder = h("div", { class: "versions-body" }, versionDiff(versions, pair.from, pair.to));
  panel.append(
    h("header", { class: "panel-head" },
      h("h2", { id: "versions-title" }, "Versions"),
      h("button", { type: "button", class: "icon-button", dataset: { action: "close-overlay" }, "aria-label": "Close" }, "×")),
    h("p", { class: "panel-lede", testid: "versions-lede" }, ledeText(pair, seenVersion)),
    versions.length > 1
      ? h("div", { class: "versions-picks" },
        versionSelect("versions-from", "From", versions, pair.from, current, seenVersion),
        versionSelect("versions-to", "To", versions, pair.to, current, seenVersion))
      : null,
    holder);
  panel.addEventListener("change", (event) => {
    if (!event.target?.dataset?.versionPick) return;
    const from = Number(panel.querySelector("[data-testid=versions-from]")?.value);
    const to = Number(panel.querySelector("[data-testid=versions-to]")?.value);
    holder.replaceChildren(versionDiff(versions, from, to));
  });
}
