// Key → action, as a pure function of a keydown event's fields.

const MAP = {
  j: "next",
  ArrowDown: "next",
  k: "prev",
  ArrowUp: "prev",
  g: "first",
  Home: "first",
  G: "last",
  End: "last",
  a: "approve",
  r: "reject",
  c: "request_changes",
  m: "comment",
  s: "sync",
  f: "filters",
  "?": "help",
  Escape: "close",
};

/** The key map as the help overlay lists it. */
export const KEY_HELP = [
  { keys: ["j", "↓"], action: "Next draft" },
  { keys: ["k", "↑"], action: "Previous draft" },
  { keys: ["g", "Home"], action: "First draft" },
  { keys: ["G", "End"], action: "Last draft" },
  { keys: ["a"], action: "Approve (over a blocking finding: asks why; past its time: asks first)" },
  { keys: ["r"], action: "Reject (optional reason)" },
  { keys: ["c"], action: "Request changes (comment required)" },
  { keys: ["m"], action: "Comment" },
  { keys: ["s"], action: "Sync now" },
  { keys: ["f"], action: "Focus the filters" },
  { keys: ["?"], action: "Show this help" },
  { keys: ["Esc"], action: "Close overlays, cancel a comment or an override" },
  { keys: ["Enter"], action: "Send a comment or an override reason (Shift+Enter: new line)" },
];

const TYPING_INPUT_TYPES = new Set([
  "", "text", "password", "search", "email", "url", "tel", "number", "date", "time",
  "datetime-local", "month", "week",
]);

/** True when keys typed at `target` are text, not commands. */
export function isTypingContext(target) {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = String(target.tagName ?? "").toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return TYPING_INPUT_TYPES.has(String(target.type ?? "").toLowerCase());
  return false;
}

/**
 * The action for a keydown, or null. Modified keys (Ctrl, Cmd, Alt) belong to the system.
 * While typing, only Escape counts (to close whatever is open).
 */
export function keyAction(event) {
  if (!event || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return null;
  const action = MAP[event.key] ?? null;
  if (isTypingContext(event.target)) return action === "close" ? "close" : null;
  return action;
}
