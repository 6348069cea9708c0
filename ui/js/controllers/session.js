// Signing in and out: the sign-in screen, entering the app, the first screen's start-up mark.
import { CODES } from "../error-codes.js";
import { userName } from "../state.js";
import { createSignin, signinErrorText } from "../views/signin.js";

/** The host and port of a server address as typed, for the allowance's label. */
export function serverHost(url) {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

export function createSessionController(app) {
  const { els, backend } = app;
  let firstScreenShown = false;

  const signin = createSignin(els.signin, { onSubmit: submit });

  function showSignin(reason = "") {
    app.overlays.dismiss();
    els.boot.hidden = true;
    els.app.hidden = true;
    els.signin.hidden = false;
    const { defaults, status } = app.apply({ type: "signed-out" });
    signin.show({ serverUrl: defaults.serverUrl || status?.server_url || "", hintText: defaults.hint ?? "", reason });
    backend.setTitle("Countersign");
  }

  async function submit(values) {
    signin.setBusy(true);
    signin.setError("");
    try {
      const signedIn = await backend.signIn(values);
      await enterApp(signedIn, { justNow: true });
    } catch (e) {
      if (e.code === CODES.TOTP_REQUIRED) {
        signin.askTotp();
      } else {
        if (e.code === CODES.INSECURE_SERVER) signin.askInsecure(serverHost(values.serverUrl));
        signin.setError(signinErrorText(e, values.serverUrl));
        if (e.code === CODES.BAD_CREDENTIALS) signin.focusPassword();
      }
    } finally {
      signin.setBusy(false);
    }
  }

  async function enterApp(user, { justNow = false } = {}) {
    app.apply({ type: "signed-in", user, justNow });
    els.boot.hidden = true;
    els.signin.hidden = true;
    els.app.hidden = false;
    els.userName.textContent = userName(app.state);
    app.status.renderAdminTools();
    app.queue.renderFilters();
    app.status.render();
    app.queue.focus();
    await Promise.all([app.queue.refresh({ reveal: true }).then(() => firstScreen("queue")), app.status.refresh()]);
  }

  /** The first screen is drawn and takes keys: the shell logs the start-up time. */
  function firstScreen(screen) {
    if (firstScreenShown) return;
    firstScreenShown = true;
    backend.windowReady(screen);
  }

  async function confirmSignOut() {
    try {
      const r = await backend.signOut();
      showSignin(r?.revoked_on_server === false
        ? "Signed out. The server could not be reached; the session expires there on its own."
        : "Signed out.");
    } catch (e) {
      app.overlays.dismiss();
      app.report(e, "Could not sign out");
    }
  }

  return { showSignin, enterApp, firstScreen, confirmSignOut };
}
