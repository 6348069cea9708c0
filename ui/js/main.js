// Wiring only: the one state object, the controllers, and the two ways into the action
// table (keys and data-action clicks). Behaviour lives in controllers/*.js, the state's
// transitions in state.js, what keys and buttons do in actions.js.
import * as backend from "./backend.js";
import { $ } from "./dom.js";
import { perform } from "./actions.js";
import { SESSION_ENDED, CODES } from "./error-codes.js";
import { keyAction } from "./keys.js";
import { createAppState, transition } from "./state.js";
import { signedOutText } from "./views/signin.js";
import { toast } from "./views/overlay.js";
import { createAccessController } from "./controllers/access.js";
import { createAnnotationsController } from "./controllers/annotations.js";
import { createBulkController } from "./controllers/bulk.js";
import { createCrisisController } from "./controllers/crisis.js";
import { createDraftController } from "./controllers/draft.js";
import { createOverlaysController } from "./controllers/overlays.js";
import { createQueueController } from "./controllers/queue.js";
import { createResigninController } from "./controllers/resignin.js";
import { createSessionController } from "./controllers/session.js";
import { createStatusController } from "./controllers/status.js";

const els = {
  boot: $("#boot"),
  signin: $("#signin"),
  app: $("#app"),
  userName: $("#user-name"),
  filters: $("#filters"),
  network: $("#filter-network"),
  channel: $("#filter-channel"),
  urgency: $("#filter-urgency"),
  findings: $("#filter-findings"),
  decided: $("#filter-decided"),
  clearFilters: $("#clear-filters"),
  crisis: $("#crisis-banner"),
  crisisMode: $("#crisis-mode"),
  accessOpen: $("#access-open"),
  queue: $("#queue"),
  queueCount: $("#queue-count"),
  queueTitle: $("#queue-title"),
  draft: $("#draft"),
  status: $("#status-line"),
  overlay: $("#overlay"),
  toasts: $("#toasts"),
};

/** What every controller gets: the elements, the backend, the state and a few shared helpers. */
const app = {
  els,
  backend,
  state: createAppState(),
  /** Moves the state on by one event (state.js) and returns the new state. */
  apply(event) {
    app.state = transition(app.state, event);
    return app.state;
  },
  toast(text, tone = "info", ms) {
    toast(els.toasts, text, tone, ms);
  },
  /** Shows an error; returns true when it ended the session. */
  report(e, doing) {
    // The password asked again: over the current screen, the session kept (resignin.js).
    if (e?.code === CODES.SIGN_IN_REQUIRED && app.state.user) {
      app.resignin.ask({ explicit: true });
      return true;
    }
    if (SESSION_ENDED.has(e?.code)) {
      app.session.showSignin(signedOutText(e.code, e.message) || e.message);
      return true;
    }
    app.toast(doing ? `${doing}: ${e?.message ?? "something went wrong"}` : e?.message ?? "Something went wrong", "error");
    return false;
  },
};
// Controllers call each other through `app` at call time, so the order here does not matter.
app.overlays = createOverlaysController(app);
app.queue = createQueueController(app);
app.draft = createDraftController(app);
app.status = createStatusController(app);
app.access = createAccessController(app);
app.crisis = createCrisisController(app);
app.bulk = createBulkController(app);
app.session = createSessionController(app);
app.annotations = createAnnotationsController(app);
app.resignin = createResigninController(app);

// ---- input: keys and buttons both go through the action table ------------------------

document.addEventListener("keydown", (event) => {
  if (els.app.hidden) return;
  // Selecting words from the keyboard (`v`) takes the arrows, m, Enter and Escape first.
  if (app.annotations.handleKey(event)) {
    event.preventDefault();
    return;
  }
  const name = keyAction(event);
  if (name && perform(app, name, { source: "key", event })) event.preventDefault();
});

document.addEventListener("click", (event) => {
  const el = event.target instanceof Element ? event.target.closest("[data-action]") : null;
  if (!el || el.disabled) return;
  perform(app, el.dataset.action, { source: "click", el, event });
});

// ---- start ------------------------------------------------------------------------------

async function subscribe() {
  await Promise.all([
    backend.onStatus((s) => {
      app.status.pushed(s);
      app.resignin.pushed(s);
    }),
    backend.onQueueChanged(() => {
      if (app.state.user) app.queue.refresh();
    }),
    backend.onSignedOut((payload) => {
      app.session.showSignin(signedOutText(payload?.reason ?? payload));
    }),
    backend.onCrisis((count) => {
      if (app.state.user) app.crisis.flash(count);
    }),
  ]);
}

async function boot() {
  subscribe();
  // Relative times ("publishes in 40 min", "synced 2 min ago") age in place.
  setInterval(() => {
    if (!app.state.user) return;
    app.queue.render();
    app.status.render();
    if (!app.state.composer) app.draft.render();
  }, 30000);
  try {
    const info = await backend.sessionInfo();
    app.apply({ type: "defaults", defaults: info?.defaults });
    app.apply({ type: "status-fetched", status: info?.status ?? null });
    if (info?.user) await app.session.enterApp(info.user);
    else {
      app.session.showSignin();
      app.session.firstScreen("sign-in");
    }
  } catch (e) {
    app.session.showSignin(e.code === CODES.NO_BACKEND || e.code === CODES.CANNOT_START ? e.message : `Could not start: ${e.message}`);
  }
}

boot();
