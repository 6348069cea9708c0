//! Accessibility: axe-core (npm, pinned in ui/package-lock.json) on every screen of the
//! real app in WebKit, in the light and the dark theme: 0 serious or critical violations.
//! Colour contrast is one of axe's rules, so this is also the WCAG AA contrast check.

use crate::harness::{Desktop, assert_accessible, demo_server, enabled};
use crate::webdriver::Session;
use serde_json::json;

const ESCAPE: &str = "\u{E00C}";
const ENTER: &str = "\u{E007}";

/// Waits until no overlay is open (after Escape or a close button).
async fn overlay_closed(s: &Session) {
    s.wait_for("the overlay closed", || async {
        let open = s
            .script(
                "return !document.getElementById('overlay').hidden;",
                json!([]),
            )
            .await;
        (open == json!(false)).then_some(())
    })
    .await;
}

async fn close_overlay(s: &Session) {
    s.press(ESCAPE).await;
    overlay_closed(s).await;
}

/// Every screen, in the theme the app was launched in; `theme` names it for the messages
/// and the screenshots.
async fn every_screen(theme: &str, env: &[(&str, &str)]) {
    let server = demo_server().await;
    let desktop = Desktop::launch_with(&server.url(), env).await;
    let s = &desktop.session;
    let dark = s
        .script(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            json!([]),
        )
        .await;
    assert_eq!(
        dark,
        json!(theme == "dark"),
        "WebKit is in the {theme} theme"
    );
    let at = |screen: &str| format!("{screen} ({theme} theme)");

    s.find("[data-testid=signin-form]").await;
    assert_accessible(s, &at("sign-in")).await;

    // The administrator: a reviewer's queue and drafts, and the Access view too.
    desktop.sign_in("admin").await;
    s.wait_for("a draft in the pane", || async {
        (!s.find_all("[data-testid=draft-detail] .draft")
            .await
            .is_empty())
        .then_some(())
    })
    .await;
    assert_accessible(s, &at("queue and draft")).await;

    // A draft the policy guard flagged: its findings and the marks in the body.
    s.script(
        "const select = document.querySelector('[data-testid=filter-findings]');
         select.value = 'has';
         select.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([]),
    )
    .await;
    s.wait_for("a draft with findings", || async {
        (!s.find_all("[data-testid=draft-detail] [data-testid=finding]")
            .await
            .is_empty())
        .then_some(())
    })
    .await;
    assert_accessible(s, &at("draft with findings")).await;
    s.click(&s.find("[data-action=clear-filters]").await).await;

    s.press("?").await;
    s.find("[data-testid=help]").await;
    assert_accessible(s, &at("keyboard help")).await;
    desktop.shot(&format!("help-{theme}")).await;
    close_overlay(s).await;

    // The composer, empty and then refusing an empty "request changes".
    s.find("[data-testid=queue]").await;
    s.press("c").await;
    s.find("textarea[data-composer]").await;
    assert_accessible(s, &at("composer")).await;
    s.press(ENTER).await;
    s.find("[data-testid=composer-error]").await;
    assert_accessible(s, &at("composer with its error")).await;
    s.press(ESCAPE).await;
    s.wait_for("the composer closed", || async {
        s.find_all("textarea[data-composer]")
            .await
            .is_empty()
            .then_some(())
    })
    .await;

    s.click(&s.find("[data-testid=conflicts-open]").await).await;
    s.find("[data-testid=conflicts]").await;
    s.wait_for("the conflicts list loaded", || async {
        let loading = s
            .script("return document.querySelector('[data-testid=conflicts]').textContent.includes('Loading');", json!([]))
            .await;
        (loading == json!(false)).then_some(())
    })
    .await;
    assert_accessible(s, &at("conflicts")).await;
    close_overlay(s).await;

    s.click(&s.find("[data-testid=export-decisions]").await)
        .await;
    s.find("#export-title").await;
    s.wait_for("the export written", || async {
        let done = s
            .script("return !document.querySelector('[data-testid=export]').textContent.includes('Writing');", json!([]))
            .await;
        (done == json!(true)).then_some(())
    })
    .await;
    assert_accessible(s, &at("export")).await;
    close_overlay(s).await;

    let access = s.find("[data-testid=access-open]").await;
    s.wait_for("the Access button for an administrator", || async {
        s.attribute(&access, "hidden").await.is_none().then_some(())
    })
    .await;
    s.click(&access).await;
    s.find("[data-testid=access-table]").await;
    assert_accessible(s, &at("access")).await;
    close_overlay(s).await;

    s.click(&s.find("[data-testid=sign-out]").await).await;
    s.find("[data-testid=sign-out-dialog]").await;
    assert_accessible(s, &at("sign-out dialog")).await;
    close_overlay(s).await;

    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_in_the_light_theme() {
    if !enabled() {
        return;
    }
    every_screen("light", &[("GTK_THEME", "Adwaita")]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_in_the_dark_theme() {
    if !enabled() {
        return;
    }
    // What a GNOME user's dark preference looks like to a GTK app.
    every_screen("dark", &[("GTK_THEME", "Adwaita:dark")]).await;
}
