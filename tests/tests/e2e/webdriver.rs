//! A small W3C WebDriver client: just what the end-to-end tests use, over plain HTTP.
//!
//! tauri-driver speaks the W3C protocol and hands the session to WebKitWebDriver, which
//! drives the real app in real WebKit.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The W3C name of the key that identifies an element in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session: one running app.
pub struct Session {
    http: reqwest::Client,
    base: String,
}

/// An element handle.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Session {
    /// Starts the app at `application` through the driver at `driver` (e.g.
    /// `http://127.0.0.1:4444`).
    pub async fn start(driver: &str, application: &str) -> Session {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application}
        }}});
        let answer: Value = http
            .post(format!("{driver}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session request")
            .json()
            .await
            .expect("new session answer");
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        Session {
            http,
            base: format!("{driver}/session/{id}"),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver answer");
        answer["value"].clone()
    }

    /// Ends the session, which closes the app.
    pub async fn end(&self) {
        let _ = self.http.delete(&self.base).send().await;
    }

    /// Elements matching a CSS selector, now.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let value = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits up to 20 s for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.wait_for(&format!("an element matching {css}"), || async {
            self.find_all(css).await.into_iter().next()
        })
        .await
    }

    /// Polls `probe` every 100 ms until it returns `Some`, for up to 20 s.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            if Instant::now() > deadline {
                let body = self
                    .script("return document.body.innerText;", json!([]))
                    .await;
                panic!("timed out waiting for {what}; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks an element.
    pub async fn click(&self, element: &Element) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await;
    }

    /// Types into an element (after clearing it).
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Presses one key on whatever has the focus, as a person would.
    pub async fn press(&self, key: &str) {
        let actions = json!({"actions": [{
            "type": "key", "id": "keyboard",
            "actions": [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        }]});
        self.call(reqwest::Method::POST, "/actions", Some(actions))
            .await;
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &Element) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.0),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// An attribute of an element.
    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .await
        .as_str()
        .map(str::to_string)
    }

    /// Runs a script in the page and returns its result.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Saves a screenshot of the window as PNG.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let value = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let decoded = value
            .as_str()
            .and_then(|data| base64::engine::general_purpose::STANDARD.decode(data).ok());
        if let Some(bytes) = decoded {
            let _ = std::fs::write(path, bytes);
        }
    }
}
