// Key → action name, as a pure function of a keydown event's fields. The keys themselves
// live in actions.js's table (each action lists its keys); this file only decides which
// table entries a key press can reach where it was typed.
import { ACTIONS, helpSections } from "./actions.js";

/** scope → {key name → action name}, built once from the table. */
const BY_SCOPE = (() => {
  const maps = { queue: {}, anywhere: {}, composer: {} };
  for (const [name, action] of Object.entries(ACTIONS)) {
    const map = maps[action.scope ?? "queue"];
    if (!map) throw new Error(`action ${name}: unknown scope ${action.scope}`);
    for (const key of action.keys ?? []) {
      if (map[key]) throw new Error(`key ${key} is both ${map[key]} and ${name}`);
      map[key] = name;
    }
  }
  return maps;
})();

/** The key map as the help overlay lists it: `{keys, action}` rows, from the table. */
export const KEY_HELP = helpSections().flatMap((s) => s.entries.map((e) => ({ keys: e.keys, action: e.label })));

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

/** True for the draft pane's comment/reason box. */
export function isComposer(target) {
  return String(target?.tagName ?? "").toUpperCase() === "TEXTAREA" && Boolean(target.dataset?.composer);
}

/** "Shift+Enter" for Shift with a named key; letters already say Shift by their case ("G"). */
function keyName(event) {
  const key = String(event.key ?? "");
  return event.shiftKey && key.length > 1 ? `Shift+${key}` : key;
}

/**
 * The action name for a keydown, or null. In the comment box only its own keys count
 * (Enter sends, Shift+Enter is a new line, Escape cancels). Elsewhere modified keys (Ctrl,
 * Cmd, Alt) belong to the system, and while typing only "anywhere" keys count (Escape).
 */
export function keyAction(event) {
  if (!event || event.isComposing) return null;
  if (isComposer(event.target)) return BY_SCOPE.composer[keyName(event)] ?? null;
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const name = keyName(event);
  const anywhere = BY_SCOPE.anywhere[name] ?? BY_SCOPE.anywhere[event.key] ?? null;
  if (anywhere) return anywhere;
  if (isTypingContext(event.target)) return null;
  return BY_SCOPE.queue[name] ?? BY_SCOPE.queue[event.key] ?? null;
}
