// The only module that touches window.__TAURI__. Every command resolves with the
// backend's JSON (snake_case fields) or rejects with {code, message}.

function tauri() {
  const t = globalThis.window?.__TAURI__;
  if (!t) throw toError({ code: "no_backend", message: "The Countersign backend is not available." });
  return t;
}

/** Errors always come out as {code, message}, whatever shape the shell sent. */
export function toError(e) {
  if (e && typeof e === "object" && typeof e.code === "string") {
    return { code: e.code, message: typeof e.message === "string" ? e.message : e.code };
  }
  return { code: "unknown", message: typeof e === "string" ? e : String(e?.message ?? e) };
}

async function call(command, args) {
  try {
    return await tauri().core.invoke(command, args);
  } catch (e) {
    throw toError(e);
  }
}

export const sessionInfo = () => call("session_info");
export const signIn = ({ serverUrl, username, password, totp, allowInsecure }) =>
  call("sign_in", {
    serverUrl, username, password,
    ...(totp ? { totp } : {}),
    // Only the reviewer's explicit tick sends it (see views/signin.js).
    ...(allowInsecure === true ? { allowInsecure: true } : {}),
  });
export const signOut = () => call("sign_out");
/**
 * One page of the queue: `{filter, text, offset, limit}` → `{items (each with matches), total,
 * counts, to_review, decided, all_to_review}`. The window asks for the rows it shows.
 */
export const queuePage = ({ filter = {}, text = "", offset = 0, limit = 50 } = {}) =>
  call("queue_page", { page: { filter, text, offset, limit } });
export const draft = (id) => call("draft", { id });
export const decide = ({ draftId, verdict, comment = "", overrideReason }) =>
  call("decide", overrideReason ? { draftId, verdict, comment, overrideReason } : { draftId, verdict, comment });
/**
 * A comment on the draft; with `target` (`{start, end}`, code points into the cached body)
 * on those words, and with `suggestion` a replacement for them (Rust builds the quote).
 */
export const comment = ({ draftId, body, target, suggestion }) =>
  call("comment", {
    draftId, body,
    ...(target ? { target: { start: target.start, end: target.end } } : {}),
    ...(target && typeof suggestion === "string" ? { suggestion } : {}),
  });
/** Which of `draftIds` a bulk approval would approve, and why each other one is left out. */
export const bulkCheck = (draftIds) => call("bulk_check", { draftIds });
/** Approves those of `draftIds` Rust allows in bulk, each its own decision. */
export const decideMany = (draftIds) => call("decide_many", { draftIds });
/** Takes back a decision still in the outbox; `undo_too_late` once it was sent. */
export const undo = (mutationId) => call("undo", { mutationId });
export const syncNow = () => call("sync_now");
export const status = () => call("status");
export const conflicts = () => call("conflicts");
export const dismissConflict = (mutationId) => call("dismiss_conflict", { mutationId });
export const access = () => call("access");
export const crisisOn = ({ reason, channels = [] }) => call("crisis_on", { reason, channels });
export const crisisOff = () => call("crisis_off");
/** Writes the CSV and JSON of the reviewer's decisions; no folder: the Downloads folder. */
export const exportDecisions = (folder) => call("export_decisions", folder ? { folder } : {});
/** Tells the shell the first screen is up (it logs the start-up time). */
export const windowReady = (screen) => call("window_ready", { screen }).catch(() => {});

async function listen(name, handler) {
  try {
    return await tauri().event.listen(name, (event) => handler(event.payload));
  } catch (e) {
    console.error(`cannot listen to ${name}`, e);
    return () => {};
  }
}

export const onStatus = (handler) => listen("status", handler);
export const onQueueChanged = (handler) => listen("queue-changed", handler);
export const onSignedOut = (handler) => listen("signed-out", handler);
export const onCrisis = (handler) => listen("crisis", handler);

export async function setTitle(title) {
  try {
    await tauri().window.getCurrentWindow().setTitle(title);
  } catch {
    // Not fatal: the document title below still says it.
  }
  if (globalThis.document) globalThis.document.title = title;
}
