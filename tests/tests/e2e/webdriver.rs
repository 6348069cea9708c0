//! The tests' view of [`countersign_webdriver::Session`]: a failed WebDriver command fails
//! the test with the driver's message, and reading a stale element (the queue re-renders
//! its rows) reads as absent, because every caller polls again.

use countersign_webdriver::{Element, WebDriverError};
use serde_json::Value;

fn fail(e: WebDriverError) -> ! {
    panic!("{e}")
}

/// One WebDriver session: one running app.
pub struct Session(pub countersign_webdriver::Session);

impl Session {
    pub async fn end(&self) {
        self.0.end().await;
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.0.find_all(css).await.unwrap_or_else(|e| fail(e))
    }

    pub async fn find(&self, css: &str) -> Element {
        self.0.find(css).await.unwrap_or_else(|e| fail(e))
    }

    pub async fn wait_for<T, F, Fut>(&self, what: &str, probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        self.0
            .wait_for(what, probe)
            .await
            .unwrap_or_else(|e| fail(e))
    }

    pub async fn click(&self, element: &Element) {
        self.0.click(element).await.unwrap_or_else(|e| fail(e));
    }

    pub async fn type_into(&self, element: &Element, text: &str) {
        self.0
            .type_into(element, text)
            .await
            .unwrap_or_else(|e| fail(e));
    }

    pub async fn press(&self, key: &str) {
        self.0.press(key).await.unwrap_or_else(|e| fail(e));
    }

    pub async fn press_keys(&self, keys: &[&str]) {
        self.0.press_keys(keys).await.unwrap_or_else(|e| fail(e));
    }

    pub async fn press_holding(&self, modifiers: &[&str], keys: &[&str]) {
        self.0
            .press_holding(modifiers, keys)
            .await
            .unwrap_or_else(|e| fail(e));
    }

    /// The element's text; empty when it went stale.
    pub async fn text(&self, element: &Element) -> String {
        self.0.text(element).await.unwrap_or_default()
    }

    /// The attribute; `None` when the element went stale.
    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.0.attribute(element, name).await.ok().flatten()
    }

    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.0
            .script(script, args)
            .await
            .unwrap_or_else(|e| fail(e))
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        match self.0.screenshot().await {
            Ok(png) => {
                let _ = std::fs::write(path, png);
            }
            Err(e) => eprintln!("no screenshot {}: {e}", path.display()),
        }
    }
}
