// Signing in again over the current screen when the server asks for the password
// (`sign_in_required`, told by the status's `sign_in_required` or a command's error): the
// queue, the open draft and the outbox stay as they are, and once the password is right the
// background sync sends what waited. Another account goes to the full sign-in screen, where
// the app (Rust) erases this reviewer's data before anyone else's is loaded.
import { CODES } from "../error-codes.js";
import { buildResignin, signinErrorText } from "../views/signin.js";

export function createResigninController(app) {
  const { backend } = app;
  /** Asked once in this episode: a reviewer who closed the overlay to read on is asked again
   * only when something they do needs the server, not at every background sync. */
  let asked = false;
  let form = null;

  const asking = () => app.overlays.kind() === "resignin";

  /** Opens the overlay, unless it is open or (for a status, not an action) was closed. */
  function ask({ explicit = false } = {}) {
    const status = app.state.status;
    if (!app.state.user || asking()) return;
    if (asked && !explicit) return;
    asked = true;
    const serverUrl = status?.server_url ?? "";
    const username = app.state.user.username ?? status?.user?.username ?? "";
    app.overlays.open({
      kind: "resignin", testid: "resignin", labelledBy: "resignin-title",
      build: (panel) => {
        form = buildResignin(panel, {
          username, serverUrl, pending: status?.pending ?? 0,
          onSubmit: (values) => submit({ ...values, serverUrl, username }),
          onOtherAccount: () => app.session.showSignin(
            "Sign in with another account. Decisions waiting to sync belong to the account they were made in: they are erased when someone else signs in."),
        });
      },
    });
  }

  async function submit(values) {
    form.setBusy(true);
    form.setError("");
    try {
      await backend.signIn(values);
      asked = false;
      form = null;
      app.overlays.close();
      // The sign-in woke the background sync: its events bring the queue and status up to
      // date; these reads show the signed-in state at once, selection kept.
      await Promise.all([app.status.refresh(), app.queue.refresh()]);
    } catch (e) {
      if (e.code === CODES.TOTP_REQUIRED) {
        form.askTotp();
      } else if (e.code === CODES.SESSION_REVOKED) {
        app.report(e);
      } else {
        form.setError(signinErrorText(e, values.serverUrl));
        if (e.code === CODES.BAD_CREDENTIALS) form.focusPassword();
      }
    } finally {
      form?.setBusy(false);
    }
  }

  /** A status arrived: ask when it says the password is needed. */
  function pushed(status) {
    if (status?.sign_in_required) ask();
    else if (status && !status.sign_in_required && status.online) asked = false;
  }

  return { ask, pushed, asking };
}
