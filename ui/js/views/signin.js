// The sign-in screen. Builds its form once; main.js drives it through the returned handle.
import { h } from "../dom.js";

/** Error codes from `sign_in` in words. */
function capitalised(text) {
  const t = String(text ?? "").trim();
  if (!t) return "Ask an administrator to enrol one.";
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
}

export function signinErrorText(error, serverUrl) {
  switch (error?.code) {
    case "bad_credentials":
      // A disabled account gets this answer too: the server never tells that a guess was right.
      return "The username, password or code is not right, or the account is disabled. Check them and try again, or ask an administrator.";
    case "offline":
      return `Cannot reach the server at ${serverUrl || "that address"}. Check the address and your connection.`;
    case "invalid":
      return error.message || "Check the server address and try again.";
    case "session_revoked":
      return "This device was signed out by the server, and its local data has been erased.";
    case "insecure_server":
      // The app's own words: they name the host and what plain http:// would expose.
      return error.message ? capitalised(error.message) : "This server would be reached unencrypted.";
    case "totp_enrolment_required":
      return `Your organisation requires two-factor sign-in for this account, and no authenticator app is enrolled yet. ${capitalised(error.message)}`;
    default:
      return error?.message || "Sign-in failed. Try again.";
  }
}

/** Why the app came back to this screen, from a `signed-out` event's reason. */
export function signedOutText(reason, message) {
  switch (reason) {
    case undefined:
    case null:
    case "":
    case "user":
    case "signed_out":
      return "";
    case "session_revoked":
    case "revoked":
      return "This device was signed out by the server, and its local data has been erased.";
    case "lease_expired": {
      // The server sets the lease; the app's message names it ("more than 14 days").
      const said = typeof message === "string" && message ? message : "";
      return said
        ? said[0].toUpperCase() + said.slice(1)
        : "You have been offline too long. Sign in again to see your drafts — decisions waiting to sync are kept.";
    }
    case "sign_in_required":
    case "expired":
      return "Your session has ended. Sign in again — decisions waiting to sync are kept.";
    default:
      return String(reason);
  }
}

function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), input, hint ?? null);
}

export function createSignin(root, { onSubmit }) {
  const server = h("input", {
    name: "server", type: "url", required: true, autocomplete: "url", spellcheck: "false",
    testid: "signin-server", placeholder: "https://countersign.example.org",
  });
  const username = h("input", {
    name: "username", type: "text", required: true, autocomplete: "username",
    autocapitalize: "none", spellcheck: "false", testid: "signin-username",
  });
  const password = h("input", {
    name: "password", type: "password", required: true, autocomplete: "current-password",
    testid: "signin-password",
  });
  const totp = h("input", {
    name: "totp", type: "text", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9]{6}", maxlength: "6", testid: "signin-totp", placeholder: "123456",
  });
  // Offered only after the app refused a plain-http:// server that is not this machine, for
  // that server only: editing the address takes the choice away again.
  const allowInsecure = h("input", { type: "checkbox", name: "allow-insecure", testid: "signin-allow-insecure" });
  const allowInsecureText = h("span", { testid: "signin-allow-insecure-label" }, "");
  const insecureField = h("div", { class: "field", testid: "signin-insecure" },
    h("label", { class: "check" }, allowInsecure, allowInsecureText),
    h("span", { class: "field-hint" },
      "Only on a network you trust: your password and drafts will cross it unencrypted."));
  insecureField.hidden = true;
  let insecureFor = "";
  server.addEventListener("input", () => {
    if (server.value.trim() !== insecureFor) {
      insecureField.hidden = true;
      allowInsecure.checked = false;
    }
  });
  const totpField = field("Authentication code", totp,
    h("span", { class: "field-hint" }, "The 6-digit code from your authenticator app."));
  totpField.hidden = true;
  const notice = h("p", { class: "notice", role: "status", hidden: true });
  const error = h("p", { class: "form-error", role: "alert", testid: "signin-error", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary wide", testid: "signin-submit" }, "Sign in");
  const hint = h("p", { class: "signin-hint" });

  const form = h("form", { class: "signin-card", testid: "signin-form", novalidate: true },
    h("div", { class: "signin-brand" }, h("span", { class: "brand-mark large", "aria-hidden": "true" }),
      h("h1", {}, "Countersign")),
    h("p", { class: "signin-lede" }, "Sign in to review and approve drafts."),
    notice,
    field("Server", server),
    insecureField,
    field("Username", username),
    field("Password", password),
    totpField,
    error,
    submit);
  root.replaceChildren(h("div", { class: "signin-wrap" }, form, hint));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = {
      serverUrl: server.value.trim(),
      username: username.value.trim(),
      password: password.value,
      totp: totpField.hidden ? "" : totp.value.trim(),
      allowInsecure: !insecureField.hidden && allowInsecure.checked,
    };
    if (!values.serverUrl || !values.username || !values.password) {
      handle.setError("Enter the server address, your username and your password.");
      (values.serverUrl ? (values.username ? password : username) : server).focus();
      return;
    }
    if (totpRefused(values.totp, { totpField, totp, handle })) return;
    onSubmit(values);
  });

  const handle = {
    show({ serverUrl = "", hintText = "", reason = "" } = {}) {
      if (!server.value) server.value = serverUrl;
      hint.textContent = hintText;
      hint.hidden = !hintText;
      notice.textContent = reason;
      notice.hidden = !reason;
      password.value = "";
      totp.value = "";
      totpField.hidden = true;
      handle.setError("");
      handle.setBusy(false);
      (server.value ? username.value ? password : username : server).focus();
    },
    /** Offers to allow an unencrypted connection to `host` (unticked: the reviewer decides). */
    askInsecure(host) {
      insecureFor = server.value.trim();
      allowInsecureText.textContent = `Allow unencrypted connection to ${host}`;
      allowInsecure.checked = false;
      insecureField.hidden = false;
      allowInsecure.focus();
    },
    askTotp() {
      totpField.hidden = false;
      handle.setError("");
      notice.textContent = "This account uses two-factor sign-in. Enter the code from your authenticator app.";
      notice.hidden = false;
      totp.focus();
    },
    setError(text) {
      error.textContent = text;
      error.hidden = !text;
    },
    setBusy(busy) {
      submit.disabled = busy;
      submit.textContent = busy ? "Signing in…" : "Sign in";
    },
    focusPassword() {
      password.select();
      password.focus();
    },
  };
  return handle;
}

/**
 * Asks for the password again over the current screen, when the server wants it
 * (`sign_in_required`): the session, its queue and its outbox stay on this device, and
 * signing in again as the same reviewer carries on where they were. Built into an overlay
 * panel; `onSubmit({ password, totp })` signs in, `onOtherAccount()` leaves for the full
 * sign-in screen. Returns the same handle shape as the sign-in form's.
 */
export function buildResignin(panel, { username, serverUrl, pending = 0, onSubmit, onOtherAccount }) {
  const password = h("input", {
    name: "password", type: "password", required: true, autocomplete: "current-password",
    testid: "resignin-password", autofocus: true,
  });
  const totp = h("input", {
    name: "totp", type: "text", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9]{6}", maxlength: "6", testid: "resignin-totp", placeholder: "123456",
  });
  const totpField = field("Authentication code", totp,
    h("span", { class: "field-hint" }, "The 6-digit code from your authenticator app."));
  totpField.hidden = true;
  // Read-only, for password managers and for the reviewer to see whose password is asked.
  const user = h("input", {
    name: "username", type: "text", autocomplete: "username", readonly: true,
    testid: "resignin-username",
  });
  user.value = username ?? "";
  const error = h("p", { class: "form-error", role: "alert", testid: "resignin-error", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary", testid: "resignin-submit" }, "Sign in");
  const other = h("button", { type: "button", class: "button subtle", testid: "resignin-other" }, "Use another account");
  const kept = pending > 0
    ? `${pending === 1 ? "1 decision waits" : `${pending} decisions wait`} to sync and will be sent once you are signed in.`
    : "Your queue stays as it is.";
  const form = h("form", { class: "resignin-form", testid: "resignin-form", novalidate: true },
    h("header", { class: "panel-head" }, h("h2", { id: "resignin-title" }, "Sign in again")),
    h("p", { testid: "resignin-lede" },
      `The server${serverUrl ? ` at ${serverUrl}` : ""} asks for your password again. ${kept}`),
    field("Username", user),
    field("Password", password),
    totpField,
    error,
    h("div", { class: "panel-actions" },
      other,
      submit));
  panel.append(form);

  other.addEventListener("click", () => onOtherAccount());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = { password: password.value, totp: totpField.hidden ? "" : totp.value.trim() };
    if (!values.password) {
      handle.setError("Enter your password.");
      password.focus();
      return;
    }
    if (totpRefused(values.totp, { totpField, totp, handle })) return;
    onSubmit(values);
  });

  const handle = {
    askTotp() {
      totpField.hidden = false;
      handle.setError("This account uses two-factor sign-in. Enter the code from your authenticator app.");
      totp.focus();
    },
    setError(text) {
      error.textContent = text;
      error.hidden = !text;
    },
    setBusy(busy) {
      submit.disabled = busy;
      submit.textContent = busy ? "Signing in…" : "Sign in";
    },
    focusPassword() {
      password.value = "";
      password.focus();
    },
  };
  return handle;
}

/** A code is asked for and what was typed is not 6 digits: says so and focuses the field. */
function totpRefused(code, { totpField, totp, handle }) {
  if (totpField.hidden || /^[0-9]{6}$/.test(code)) return false;
  handle.setError("Enter the 6-digit code from your authenticator app.");
  totp.focus();
  return true;
}
