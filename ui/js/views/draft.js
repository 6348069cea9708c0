// The draft pane: the post as it will look on its network, what it waits for, the
// actions, and its history. Every server string goes in as text.
import { h } from "../dom.js";
import {
  fullTime, initials, networkLabel, nextStepText, relativeTime, scheduleText, stepLabel, thousands,
  verdictVerb,
} from "../format.js";
import { blockingCount, measureText, overrideTitle } from "../findings.js";
import { rowState } from "../queue-state.js";
import { findingsPanel } from "./findings.js";
import { annotationsPanel, renderAnnotatedBody } from "./annotations.js";
import { selectedSpan, sliceCodePoints } from "../selection.js";
import { lateBadge, lateHistoryText, lateSpan, warningWords } from "./schedule.js";

function time(at, now) {
  return h("time", { datetime: at, title: fullTime(at) }, relativeTime(at, now));
}

function replyCard(reply) {
  if (!reply) return null;
  return h("blockquote", { class: "reply-card", "aria-label": "The post this replies to" },
    h("div", { class: "reply-head" }, h("span", { class: "reply-label" }, "Replying to "),
      h("strong", {}, reply.author)),
    h("p", { class: "reply-text" }, reply.text),
    reply.url ? h("div", { class: "reply-url" }, reply.url) : null);
}

function mediaList(media) {
  if (!media?.length) return null;
  return h("ul", { class: "media-list", "aria-label": "Media" }, media.map((m) => {
    const alt = m.alt_text?.trim();
    const file = String(m.url ?? "").split(/[/?#]/).filter(Boolean).pop() ?? "";
    return h("li", { class: ["media", !alt && "media-missing-alt"] },
      h("div", { class: "media-thumb", "aria-hidden": "true" }, String(m.kind ?? "media").slice(0, 5)),
      h("div", { class: "media-info" },
        h("div", { class: "media-file", title: m.url }, file || m.url),
        alt
          ? h("div", { class: "media-alt" }, h("span", { class: "media-alt-label" }, "Alt text: "), alt)
          : h("div", { class: "media-alt warn", testid: "missing-alt" }, "Missing alt text")));
  }));
}

/**
 * Draws the body of `detail` into `el`: findings and anchored comments marked, and, in
 * selection mode (`selection` = `{anchor, focus}` in code points), the selection and the
 * caret; while the composer is open on words (`target` = `{start, end}`), those words.
 */
export function renderDraftBody(el, detail, selection = null, target = null) {
  return renderAnnotatedBody(el, detail.draft.body, {
    findings: detail.findings,
    annotations: detail.annotations,
    selection: selection ? selectedSpan(selection) : target,
    caret: selection ? selection.focus : null,
  });
}

/** The line under the body while selecting from the keyboard; it also says what is selected. */
function selectionHint(detail, selection) {
  if (!selection) return null;
  const span = selectedSpan(selection);
  const words = span ? sliceCodePoints(detail.draft.body, span.start, span.end) : "";
  return h("p", { class: "selection-hint", role: "status", testid: "selection-hint" },
    span ? [h("strong", {}, "Selected: "), `“${words.length > 80 ? `${[...words].slice(0, 79).join("")}…` : words}” · `] : null,
    h("kbd", {}, "←"), h("kbd", {}, "→"), " move · ", h("kbd", {}, "Shift"), "+arrows select · ",
    h("kbd", {}, "Ctrl"), "+arrows by word · ", h("kbd", {}, "m"), " comment · ", h("kbd", {}, "Esc"), " stop");
}

function post(detail, reuse, selection, target) {
  const { draft } = detail;
  // The length as the network counts it, measured in Rust (the one implementation).
  const count = measureText(detail.measure, networkLabel(draft.network));
  // The same element is kept from draft to draft (its text replaced), so whoever holds
  // it (a screen reader, an end-to-end test) keeps reading the current draft.
  const body = reuse ?? h("div", { class: "post-body", testid: "draft-body" });
  renderDraftBody(body, detail, selection, target);
  return h("article", { class: `post post-${draft.network}` },
    h("header", { class: "post-head" },
      h("span", { class: "avatar", "aria-hidden": "true" }, initials(draft.channel)),
      h("div", { class: "post-who" },
        h("div", { class: "post-channel" }, draft.channel),
        h("div", { class: "post-network" }, networkLabel(draft.network)))),
    body,
    selectionHint(detail, selection),
    mediaList(draft.media),
    count
      ? h("footer", { class: "post-foot" },
        h("span", { class: ["char-count", count.over && "over"], testid: "char-count", title: count.title },
          count.text, count.over ? h("span", { class: "visually-hidden" }, ` (${count.title})`) : null))
      : null);
}

/** "Rita", "Rita and Rob", "A, B and C". */
function andList(people) {
  const names = (people ?? []).map((p) => p?.display_name ?? "").filter(Boolean);
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

// How far each step got comes from the rules (`detail.steps`, computed in Rust).
function progress(detail, now) {
  const steps = detail.steps ?? [];
  if (steps.length === 0) return null;
  const items = steps.map((s) => {
    const label = stepLabel(s.step);
    const count = s.all_holders ? "every holder" : s.needed > 1 ? `${s.needed} approvals` : "";
    if (s.done) {
      const last = (detail.draft.approvals ?? []).filter((a) => a.step === s.step).at(-1);
      return h("li", { class: "step done" }, h("span", { class: "step-dot", "aria-hidden": "true" }),
        h("span", {}, `${label} approved by `), h("strong", {}, andList(s.approved_by)),
        last ? [h("span", { class: "muted" }, " · "), time(last.at, now)] : null);
    }
    const sofar = s.approved_by?.length
      ? ` — approved by ${andList(s.approved_by)}, ${s.all_holders ? `waiting for ${andList(s.waiting_for)}` : `${s.needed - s.approved_by.length} more needed`}`
      : s.all_holders ? ` — waiting for ${andList(s.waiting_for)}` : "";
    const what = s.next ? `Next: ${nextStepText(s.step).toLowerCase()}` : `${label} approval`;
    return h("li", { class: ["step", s.next && "next"] }, h("span", { class: "step-dot", "aria-hidden": "true" }),
      h("span", {}, `${what}${count ? ` (${count})` : ""}${sofar}`));
  });
  return h("ol", { class: "steps", testid: "next-step", "aria-label": "Approval steps" }, items);
}

function localBanner(item) {
  const state = rowState(item);
  if (state === "pending") return null;
  return h("div", { class: ["local-banner", `verdict-${item.local.verdict}`], role: "status" },
    h("strong", {}, `You ${verdictVerb(item.local.verdict)}`),
    state === "decided-unsynced"
      ? h("span", { class: "mark-unsynced" }, "not yet synced")
      : state === "decided-saving"
      ? h("span", { class: "mark-unsynced" }, "saving…")
      : h("span", { class: "muted" }, " · synced"));
}

const ACTIONS = [
  { action: "approve", label: "Approve", key: "a", cls: "primary" },
  { action: "request_changes", label: "Request changes", key: "c", cls: "" },
  { action: "reject", label: "Reject", key: "r", cls: "danger-outline" },
  { action: "comment", label: "Comment", key: "m", cls: "subtle" },
];

function actions(disabled, approval, blocking, warning) {
  // Whether approving is allowed is the rules' answer (Rust), not the window's guess.
  const blocked = !disabled && approval && approval.allowed === false;
  const asks = !disabled && !blocked && (blocking > 0 || Boolean(warningWords(warning)));
  return h("div", { class: "actions-block" },
    h("div", { class: "actions", role: "group", "aria-label": "Decide" },
      ACTIONS.map((a) => h("button", {
        type: "button", class: ["button", a.cls], dataset: { action: a.action },
        disabled: disabled || (a.action === "approve" && blocked), testid: `action-${a.action}`,
        "aria-keyshortcuts": a.key,
        title: a.action === "approve" && blocked ? approval.reason : a.action === "approve" && asks ? (blocking > 0 ? "Asks why first" : "Asks you to confirm first") : null,
      }, a.action === "approve" && asks ? "Approve…" : a.label, h("kbd", {}, a.key)))),
    blocked ? h("p", { class: "approve-blocked", role: "note", testid: "approve-blocked" }, approval.reason) : null);
}

const COMPOSER = {
  reject: { title: "Reject", placeholder: "Reason (optional)", send: "Reject", required: false },
  request_changes: { title: "Request changes", placeholder: "What should change?", send: "Request changes", required: true },
  comment: { title: "Comment", placeholder: "Your comment", send: "Comment", required: false },
  // A comment on selected words, with an optional replacement for them.
  annotate: { title: "Comment on the words", placeholder: "Your comment", send: "Comment", required: true },
  // Approving over a blocking finding: the reason goes to the server with the approval and
  // into the draft's history.
  override: {
    title: "", placeholder: "Why is it right to publish this as it is?", send: "Approve anyway", required: true,
  },
};

/** The selected words over the composer, and the field for a replacement. */
function annotateFields(detail, target) {
  if (!target) return null;
  const words = sliceCodePoints(detail.draft.body, target.start, target.end);
  return [
    h("blockquote", { class: "composer-quote", testid: "composer-quote", "aria-label": "The words you selected" }, words),
    h("label", { class: "composer-suggestion" },
      h("span", {}, "Suggest replacement (optional)"),
      h("input", {
        type: "text", class: "composer-suggestion-input", testid: "composer-suggestion",
        dataset: { composerSuggestion: "" }, value: "", autocomplete: "off", spellcheck: "true",
      })),
  ];
}

function composer(mode, error, blocking, detail, target) {
  const c = COMPOSER[mode];
  if (!c) return null;
  const override = mode === "override";
  const words = mode === "annotate" ? annotateFields(detail, target) : null;
  const title = override ? overrideTitle(blocking) : c.title;
  const box = h("textarea", {
    class: "composer-input", rows: override ? "2" : "3", placeholder: c.placeholder, "aria-label": title,
    dataset: { composer: mode }, testid: override ? "override-reason" : "composer-input",
    "aria-describedby": error ? "composer-error" : null, "aria-invalid": error ? "true" : null,
  });
  return h("form", {
    class: ["composer", override && "override-prompt"], dataset: { composerForm: mode },
    testid: override ? "override-prompt" : "composer",
  },
    h("div", { class: "composer-title" }, title),
    override ? h("p", { class: "composer-lede small" }, "Your reason is recorded with the approval, in the draft's history.") : null,
    words?.[0],
    box,
    words?.[1],
    error ? h("p", { class: "form-error", role: "alert", id: "composer-error", testid: "composer-error" }, error) : null,
    h("div", { class: "composer-foot" },
      h("span", { class: "muted small" }, "Enter to send · Shift+Enter for a new line · Esc to cancel"),
      h("div", { class: "composer-buttons" },
        h("button", { type: "button", class: "button subtle", dataset: { action: "cancel-composer" } }, "Cancel"),
        h("button", { type: "submit", class: ["button", mode === "reject" ? "danger" : "primary"], testid: "composer-send" }, c.send))));
}

function routedWords(route) {
  switch (route?.kind) {
    case "fast_lane":
      return "was routed to the fast lane: the guard found nothing";
    case "escalated":
      return `was sent to the ${String(route.step ?? "").replaceAll("_", " ")} step too: the guard found something blocking`;
    case "pre_approved":
      return `matched the pre-approved reply “${route.reply ?? route.reply_id ?? ""}”: no review needed`;
    default:
      return "was routed by the policy guard";
  }
}

function historyEntry(entry, now) {
  let who = entry.by?.display_name ?? "Someone";
  const late = entry.event === "decided" && Number(entry.late_secs) > 0;
  let what;
  let extra = null;
  switch (entry.event) {
    case "created":
      what = "created the draft";
      break;
    case "edited":
      // An accepted suggestion is an edit too (the server records which comment it took).
      what = entry.accepted_suggestion ? "accepted a suggested edit" : "edited the draft";
      if (entry.previous_body !== undefined) {
        extra = h("details", { class: "history-previous" }, h("summary", {}, "Previous text"),
          h("div", { class: "quote" }, entry.previous_body));
      }
      break;
    case "decided":
      // `late_secs` is the server's flag on an approval applied after the scheduled time.
      what = [verdictVerb(entry.verdict), late ? lateHistoryText(entry.late_secs) : null, entry.step ? `(${entry.step})` : null]
        .filter(Boolean).join(" ");
      extra = [
        entry.comment ? h("div", { class: "quote" }, entry.comment) : null,
        entry.override_reason ? h("div", { class: "quote override" }, h("strong", {}, "Override: "), entry.override_reason) : null,
      ];
      break;
    case "annotated":
      what = "commented";
      extra = [
        entry.annotation?.target?.quote?.exact ? h("div", { class: "quote anchor" }, `“${entry.annotation.target.quote.exact}”`) : null,
        h("div", { class: "quote" }, entry.annotation?.body ?? ""),
        entry.annotation?.suggestion ? h("div", { class: "quote suggestion" }, h("strong", {}, "Suggests: "), entry.annotation.suggestion) : null,
      ];
      break;
    case "withdrawn":
      what = "withdrew the draft";
      break;
    case "escalated":
      what = "turned crisis mode on: this is a crisis draft now";
      extra = entry.reason ? h("div", { class: "quote" }, entry.reason) : null;
      break;
    case "held":
      what = "turned crisis mode on: held back from publishing";
      extra = entry.reason ? h("div", { class: "quote" }, entry.reason) : null;
      break;
    case "returned_to_review":
      what = "turned crisis mode off: back in review, earlier approvals cleared";
      break;
    case "deescalated":
      what = "turned crisis mode off: back to its author's urgency";
      break;
    case "handed_over":
      what = entry.step
        ? `moved ${entry.from?.display_name ?? "a leaver"}'s place in the ${entry.step} step to ${entry.to?.display_name ?? "their successor"}`
        : `handed the draft over from ${entry.from?.display_name ?? "a leaver"} to ${entry.to?.display_name ?? "their successor"}`;
      break;
    case "routed":
      // The guard routes a draft, not a person.
      who = "The draft";
      what = routedWords(entry.route);
      break;
    case "summarised": {
      // The server keeps a draft's newest entries and folds older ones into this one.
      const n = Number(entry.entries) || 0;
      const editors = (entry.editors ?? []).map((p) => p?.display_name).filter(Boolean);
      who = `${thousands(n)} earlier ${n === 1 ? "entry" : "entries"}`;
      what = "summarised to keep the history short";
      extra = editors.length ? h("div", { class: "muted small" }, `Edited by ${editors.join(", ")}`) : null;
      break;
    }
    case "published":
      // The publishing tool's report (or an administrator's); its link is shown as text.
      what = "reported it published";
      extra = entry.url ? h("div", { class: "quote" }, entry.url) : null;
      break;
    case "left_step":
      what = `dropped ${entry.person?.display_name ?? "a leaver"}'s place in the ${entry.step ?? ""} step (they left)`;
      break;
    default:
      what = String(entry.event ?? "");
  }
  return h("li", { class: ["history-entry", `event-${entry.event}`, entry.verdict && `verdict-${entry.verdict}`] },
    h("span", { class: "history-dot", "aria-hidden": "true" }),
    h("div", { class: "history-main" },
      h("div", { class: "history-line" }, h("strong", {}, who), ` ${what}`,
        late ? [" ", lateBadge(`Approved ${lateHistoryText(entry.late_secs)}`, "history-late")] : null,
        h("span", { class: "muted" }, " · "), time(entry.at, now),
        h("span", { class: "muted small" }, ` · v${entry.version}`)),
      extra));
}

function history(entries, now) {
  const list = [...(entries ?? [])].reverse();
  return h("section", { class: "history", "aria-label": "History" },
    h("h3", {}, "History"),
    list.length
      ? h("ol", { class: "history-list", testid: "history" }, list.map((e) => historyEntry(e, now)))
      : h("p", { class: "muted" }, "No history yet."));
}

/**
 * "version 3", and when the device knows more than one version a button (`d`) to see what
 * changed; it says so when the author edited since the reviewer last saw it.
 */
function versionsButton(detail) {
  const { version } = detail.draft;
  const known = detail.versions?.length ?? 0;
  if (known < 2) return h("span", {}, `version ${version}`);
  const seen = detail.seen_version;
  const changed = Number.isFinite(seen) && seen < version;
  return h("button", {
    type: "button", class: ["link-button", "versions-open", changed && "changed"], dataset: { action: "versions" },
    testid: "versions-open", "aria-keyshortcuts": "d",
    title: changed ? `Changed since you last saw it (version ${seen}): see what changed (d)` : "Compare versions (d)",
  }, `version ${version}`, changed ? ` · changed since v${seen}` : "", " ", h("kbd", {}, "d"));
}

/**
 * Why the draft is late, for its badge's title, or null: its time has passed (the rules'
 * `schedule_warning`), or an approval of its current version landed after it (`late_secs`).
 */
function lateness(detail) {
  if (detail.schedule_warning?.kind === "passed") return `Due ${lateSpan(detail.schedule_warning.by_secs)} ago`;
  const entry = (detail.draft.history ?? []).findLast((e) =>
    e.event === "decided" && e.version === detail.draft.version && Number(e.late_secs) > 0);
  return entry ? `Approved ${lateHistoryText(entry.late_secs)}` : null;
}

/**
 * @param {HTMLElement} root
 * `selection` (`{anchor, focus}`, code points) is the keyboard selection while selecting;
 * `target` (`{start, end}`) the words the "annotate" composer comments on.
 * @param {{detail: object, item: object|null, now: number, composer: string|null, composerError: string,
 *   selection?: {anchor: number, focus: number}|null, target?: {start: number, end: number}|null}} view
 */
export function renderDraft(root, {
  detail, item, now, composer: mode = null, composerError = "", selection = null, target = null,
}) {
  const { draft } = detail;
  const when = scheduleText(draft.scheduled_at, now);
  const decidable = draft.status === "pending";
  const late = lateness(detail);
  const body = root.querySelector("[data-testid=draft-body]");
  root.replaceChildren(h("div", { class: "draft", dataset: { id: draft.id } },
    h("header", { class: "draft-head" },
      h("div", { class: "draft-title" },
        draft.urgency !== "normal" ? h("span", { class: `badge badge-${draft.urgency}` }, draft.urgency === "crisis" ? "Crisis" : "Urgent") : null,
        late ? lateBadge(late) : null,
        h("span", { class: "draft-network" }, networkLabel(draft.network)),
        h("span", { class: "draft-channel" }, draft.channel)),
      h("div", { class: "draft-sub muted" },
        h("span", {}, "Written by "), h("strong", {}, draft.author?.display_name ?? ""),
        " · ", h("span", { class: `when-${when.tone}` }, when.text),
        " · ", versionsButton(detail),
        draft.owner ? [" · ", h("span", {}, "owned by "), h("strong", {}, draft.owner.display_name ?? "")] : null,
        decidable ? null : h("span", { class: "status-pill" }, draft.status.replaceAll("_", " ")))),
    localBanner(item),
    progress(detail, now),
    // Before the text: the reviewer reads what the guard found, then the post with it marked.
    findingsPanel(detail),
    h("div", { class: "preview" }, replyCard(draft.in_reply_to), post(detail, body, selection, mode === "annotate" ? target : null)),
    annotationsPanel(detail, now),
    actions(!decidable, detail.approval, blockingCount(detail.findings), detail.schedule_warning),
    composer(mode, composerError, blockingCount(detail.findings), detail, target),
    history(draft.history, now)));
}

export function renderDraftMessage(root, text, tone = "muted") {
  root.replaceChildren(h("div", { class: `draft-message ${tone}` }, text));
}
