// The draft pane: the post as it will look on its network, what it waits for, the
// actions, and its history. Every server string goes in as text.
import { h } from "../dom.js";
import {
  characterCount, initials, networkLabel, nextStepText, relativeTime, scheduleText,
  stepLabel, verdictVerb,
} from "../format.js";
import { rowState } from "../queue-state.js";

function time(at, now) {
  return h("time", { datetime: at, title: at ? new Date(at).toLocaleString() : "" }, relativeTime(at, now));
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

function post(draft, reuse) {
  const count = characterCount(draft.network, draft.body);
  // The same element is kept from draft to draft (its text replaced), so whoever holds
  // it (a screen reader, an end-to-end test) keeps reading the current draft.
  const body = reuse ?? h("div", { class: "post-body", testid: "draft-body" });
  body.textContent = draft.body;
  return h("article", { class: `post post-${draft.network}` },
    h("header", { class: "post-head" },
      h("span", { class: "avatar", "aria-hidden": "true" }, initials(draft.channel)),
      h("div", { class: "post-who" },
        h("div", { class: "post-channel" }, draft.channel),
        h("div", { class: "post-network" }, networkLabel(draft.network)))),
    body,
    mediaList(draft.media),
    h("footer", { class: "post-foot" },
      h("span", {
        class: ["char-count", count.over && "over"],
        testid: "char-count",
        title: count.over ? `${count.count - count.limit} over ${networkLabel(draft.network)}'s limit` : "Within the limit",
      }, count.text)));
}

function progress(detail, now) {
  const { draft, next_step: nextStep } = detail;
  const steps = draft.required_steps ?? [];
  if (steps.length === 0 && !nextStep) return null;
  const items = steps.map((step) => {
    const done = (draft.approvals ?? []).find((a) => a.step === step);
    if (done) {
      return h("li", { class: "step done" }, h("span", { class: "step-dot", "aria-hidden": "true" }),
        h("span", {}, `${stepLabel(step)} approved by `), h("strong", {}, done.by?.display_name ?? ""),
        h("span", { class: "muted" }, " · "), time(done.at, now));
    }
    return h("li", { class: ["step", step === nextStep && "next"] }, h("span", { class: "step-dot", "aria-hidden": "true" }),
      h("span", {}, step === nextStep ? `Next: ${nextStepText(step).toLowerCase()}` : `${stepLabel(step)} approval`));
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
      : h("span", { class: "muted" }, " · synced"));
}

const ACTIONS = [
  { action: "approve", label: "Approve", key: "a", cls: "primary" },
  { action: "request_changes", label: "Request changes", key: "c", cls: "" },
  { action: "reject", label: "Reject", key: "r", cls: "danger-outline" },
  { action: "comment", label: "Comment", key: "m", cls: "subtle" },
];

function actions(disabled) {
  return h("div", { class: "actions", role: "group", "aria-label": "Decide" },
    ACTIONS.map((a) => h("button", {
      type: "button", class: ["button", a.cls], dataset: { action: a.action },
      disabled, testid: `action-${a.action}`, "aria-keyshortcuts": a.key,
    }, a.label, h("kbd", {}, a.key))));
}

const COMPOSER = {
  reject: { title: "Reject", placeholder: "Reason (optional)", send: "Reject", required: false },
  request_changes: { title: "Request changes", placeholder: "What should change?", send: "Request changes", required: true },
  comment: { title: "Comment", placeholder: "Your comment", send: "Comment", required: false },
};

function composer(mode, error) {
  const c = COMPOSER[mode];
  if (!c) return null;
  const box = h("textarea", {
    class: "composer-input", rows: "3", placeholder: c.placeholder, "aria-label": c.title,
    dataset: { composer: mode }, testid: "composer-input",
  });
  return h("form", { class: "composer", dataset: { composerForm: mode }, testid: "composer" },
    h("div", { class: "composer-title" }, c.title),
    box,
    error ? h("p", { class: "form-error", role: "alert" }, error) : null,
    h("div", { class: "composer-foot" },
      h("span", { class: "muted small" }, "Enter to send · Shift+Enter for a new line · Esc to cancel"),
      h("div", { class: "composer-buttons" },
        h("button", { type: "button", class: "button subtle", dataset: { action: "cancel-composer" } }, "Cancel"),
        h("button", { type: "submit", class: ["button", mode === "reject" ? "danger" : "primary"] }, c.send))));
}

function historyEntry(entry, now) {
  const who = entry.by?.display_name ?? "Someone";
  let what;
  let extra = null;
  switch (entry.event) {
    case "created":
      what = "created the draft";
      break;
    case "edited":
      what = "edited the draft";
      if (entry.previous_body !== undefined) {
        extra = h("details", { class: "history-previous" }, h("summary", {}, "Previous text"),
          h("div", { class: "quote" }, entry.previous_body));
      }
      break;
    case "decided":
      what = entry.step ? `${verdictVerb(entry.verdict)} (${entry.step})` : verdictVerb(entry.verdict);
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
    default:
      what = String(entry.event ?? "");
  }
  return h("li", { class: ["history-entry", `event-${entry.event}`, entry.verdict && `verdict-${entry.verdict}`] },
    h("span", { class: "history-dot", "aria-hidden": "true" }),
    h("div", { class: "history-main" },
      h("div", { class: "history-line" }, h("strong", {}, who), ` ${what}`,
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
 * @param {HTMLElement} root
 * @param {{detail: object, item: object|null, now: number, composer: string|null, composerError: string}} view
 */
export function renderDraft(root, { detail, item, now, composer: mode = null, composerError = "" }) {
  const { draft } = detail;
  const when = scheduleText(draft.scheduled_at, now);
  const decidable = draft.status === "pending";
  const body = root.querySelector("[data-testid=draft-body]");
  root.replaceChildren(h("div", { class: "draft", dataset: { id: draft.id } },
    h("header", { class: "draft-head" },
      h("div", { class: "draft-title" },
        draft.urgency !== "normal" ? h("span", { class: `badge badge-${draft.urgency}` }, draft.urgency === "crisis" ? "Crisis" : "Urgent") : null,
        h("span", { class: "draft-network" }, networkLabel(draft.network)),
        h("span", { class: "draft-channel" }, draft.channel)),
      h("div", { class: "draft-sub muted" },
        h("span", {}, "Written by "), h("strong", {}, draft.author?.display_name ?? ""),
        " · ", h("span", { class: `when-${when.tone}` }, when.text),
        " · ", h("span", {}, `version ${draft.version}`),
        decidable ? null : h("span", { class: "status-pill" }, draft.status.replaceAll("_", " ")))),
    localBanner(item),
    progress(detail, now),
    h("div", { class: "preview" }, replyCard(draft.in_reply_to), post(draft, body)),
    actions(!decidable),
    composer(mode, composerError),
    history(draft.history, now)));
}

export function renderDraftMessage(root, text, tone = "muted") {
  root.replaceChildren(h("div", { class: `draft-message ${tone}` }, text));
}
